/**
 * The simulated Twilio side of bench/twilio-bridge.bench.ts, in its own process (one or two of
 * them): the Twilio simulator places `count` calls into the server under test, each caller
 * saying tagged frames without pause, and notes when each tagged frame is handed to the stream
 * socket and when each tagged agent frame arrives.
 *
 * Send times: the simulator sends caller frames from its shared ticker and has no per-frame
 * hook, so `WebSocket#send` of this process is wrapped to read the tag of each outgoing `media`
 * message as it is handed to the socket. Only this process (the simulated Twilio) is probed.
 *
 * Usage (by the benchmark): fork(this file, [], { serialization: 'advanced' }), then
 * `start-calls` over IPC.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { TwilioNetwork, type SimulatedCall } from '../../src/simulators/twilio/index.js';
import { epochNow, FrameTimes, LoadMonitor, readTag, taggedPcm, toParent, type ParentMessage } from './twilio-frames.js';

/** Caller audio is queued a second at a time, always one second ahead, so the line never falls silent. */
const CHUNK_FRAMES = 50;
/**
 * Simulated networks per driver process, calls spread over them round-robin. A network sends
 * the caller frames of all its calls on one 20 ms tick; one network would make every call's
 * frame arrive in one burst, each waiting behind the others — a worst case real Twilio streams,
 * with phases of their own, do not produce. Ten networks: ten bursts per 20 ms, phases apart.
 */
const PHASES = 10;
/** Calls being set up at once (webhook, TwiML, stream upgrade, start). */
const SETUP_CONCURRENCY = 20;
/** No call is started after this: a saturated server would otherwise keep set-up going for minutes. */
const SETUP_DEADLINE_MS = 30_000;
const PAYLOAD_KEY = '"payload":"';

const monitor = new LoadMonitor();
const inSent = new Map<number, FrameTimes>();
const outRecv = new Map<number, FrameTimes>();
const calls: Array<{ call: SimulatedCall; index: number }> = [];
const nets: TwilioNetwork[] = [];

const originalSend = WebSocket.prototype.send;
WebSocket.prototype.send = function send(this: WebSocket, data: unknown, ...rest: unknown[]): void {
  if (typeof data === 'string' && data.startsWith('{"event":"media"')) {
    const at = data.indexOf(PAYLOAD_KEY);
    const tag = at < 0 ? null : readTag(data, at + PAYLOAD_KEY.length);
    if (tag) inSent.get(tag[0])?.record(tag[1], epochNow());
  }
  (originalSend as (this: WebSocket, ...args: unknown[]) => void).call(this, data, ...rest);
} as typeof originalSend;

/** The caller says tagged frames, counter 0 onwards, for as long as the call lasts. */
function speak(call: SimulatedCall, index: number): void {
  let next = 0;
  const more = (): void => {
    const p = call.play(taggedPcm(index, next, CHUNK_FRAMES), 8000);
    next += CHUNK_FRAMES;
    p.then(more, () => undefined);
  };
  more();
  more();
}

function onAgentMessage(m: { event: string; media?: { payload: string } }): void {
  if (m.event !== 'media') return;
  const t = epochNow();
  const tag = readTag(m.media!.payload);
  if (!tag) return;
  let times = outRecv.get(tag[0]);
  if (!times) outRecv.set(tag[0], (times = new FrameTimes()));
  times.record(tag[1], t);
}

async function startCalls(baseUrl: string, authToken: string, first: number, count: number): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < Math.min(PHASES, count); i++) nets.push(await TwilioNetwork.start({ authToken }));
  let next = first;
  let failed = 0;
  let firstError: string | null = null;
  const place = async (index: number): Promise<void> => {
    try {
      const call = await nets[index % nets.length]!.call({ baseUrl, from: `+1555${String(1_000_000 + index).slice(-7)}`, to: '+15550100000', record: false, onMessage: onAgentMessage });
      inSent.set(index, new FrameTimes());
      calls.push({ call, index });
    } catch (err) {
      // A server too busy to answer in time (Twilio gives up on the webhook after 15 s, on the
      // stream handshake after 10 s) is a result, not a crash: the calls that got through are measured.
      failed++;
      firstError ??= (err as Error).message;
    }
  };
  // Each network's ticker starts with its first call: those go one by one, so the phases differ.
  for (; next < first + nets.length; next++) await place(next);
  const worker = async (): Promise<void> => {
    while (next < first + count) {
      if (performance.now() - started > SETUP_DEADLINE_MS) {
        failed += first + count - next;
        firstError ??= `set-up of all calls took over ${SETUP_DEADLINE_MS / 1000} s; the rest were not placed`;
        next = first + count;
        return;
      }
      await place(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, count) }, worker));
  // Callers (and so the agents) start talking once every call is up: until then the line carries
  // the simulator's silence, and set-up is not slowed by hundreds of calls already in full flow.
  for (const c of calls) speak(c.call, c.index);
  toParent({ type: 'connected', calls: calls.length, failed, firstError, setupMs: Math.round(performance.now() - started) });
}

const lost = (): number => calls.reduce((s, c) => s + c.call.framesLost, 0);

process.on('message', (m: ParentMessage) => {
  switch (m.type) {
    case 'start-calls':
      return void startCalls(m.baseUrl, m.authToken, m.first, m.count).catch((err: unknown) => {
        toParent({ type: 'failed', error: (err as Error).stack ?? String(err) });
        process.exit(1);
      });
    case 'ping':
      return toParent({ type: 'pong', t0: m.t0, t: epochNow() });
    case 'window': {
      let lost0 = 0;
      setTimeout(() => (lost0 = lost()), Math.max(0, m.start - epochNow()));
      return void monitor.window(m.start, m.end).then((stats) => toParent({ type: 'window-stats', stats, framesLostInWindow: lost() - lost0 }));
    }
    case 'collect': {
      const snap = (map: Map<number, FrameTimes>) => new Map([...map].map(([k, v]) => [k, v.snapshot()] as const));
      const errors = calls.flatMap((c) => c.call.errors);
      return toParent({ type: 'driver-frames', frames: { inSent: snap(inSent), outRecv: snap(outRecv), framesLost: lost(), errors: errors.slice(0, 5), errorCount: errors.length } });
    }
    case 'stop':
      // Hang-ups are not measured: the sockets just close with the process (the caller hung up).
      return process.exit(0);
    default:
  }
});

// IPC messages that arrive before a listener exists are lost: the parent waits for this.
toParent({ type: 'loaded' });
