import { writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { detectAudioDevices, ProcessSink, type AudioDevices } from './talk/audio-devices.js';
import { TalkConnection, type ConnectionEnd } from './talk/connection.js';
import { Conversation } from './talk/conversation.js';
import { Display, wantsColor } from './talk/display.js';
import { TalkError, TalkUsageError } from './talk/errors.js';
import { startLive } from './talk/live.js';
import { Player } from './talk/player.js';
import { loadAudioTurn, runScript, type ScriptLink, type ScriptTurn } from './talk/script.js';
import type { TalkTarget } from './talk/session-api.js';
import { Timeline } from './talk/timeline.js';
import { numberOption, parseCommandLine, processIO, serverUrlOption, type CommandIO } from './command.js';
import { waitUntil } from '../util/wait-until.js';

export const TALK_USAGE = `Usage: parley talk [options]

Talk to a Parley agent from the terminal: live with the microphone and speaker, or scripted
with WAV files and typed messages.

Connection:
  --url <url>             the Parley server (default: $PARLEY_URL, else http://localhost:3000)
  --agent <name>          the agent to talk to (default: the server's default agent)
  --key <api key>         an API key, for agents that need one (default: $PARLEY_KEY, which
                          keeps the key out of the process list)
  --caller-id <id>        who is calling, e.g. +15551234567: the agent remembers callers by it
  --voice <voice>         the agent's voice for this conversation

Live (the default, without --input or --text):
  Microphone and speaker through SoX (rec/play) or ALSA (arecord/aplay). Speak any time; talking
  over the agent interrupts it. Use headphones: an agent that hears itself interrupts itself.
  Ctrl-C hangs up.
  --push-to-talk          press Enter to talk and Enter again to send, instead of the server
                          detecting when you speak (with --input: each file is one committed turn)
  --record-command <cmd>  other programs for the microphone and the speaker: raw PCM16
  --play-command <cmd>    little-endian 24 kHz mono on stdout / on stdin

Scripted (no audio devices needed):
  --input <file.wav>      say this file (any sample rate and channel count): streamed in real
                          time, then silence until the server ends the turn
  --text "<message>"      type this message instead
                          Repeat --input and --text, in any order: one turn each. Each turn
                          waits until the agent has finished (its greeting, tool calls and the
                          answer after them); after the last answer, the command exits 0.
  --settle-ms <ms>        how long the agent must be quiet, with nothing pending, to count as
                          finished (default 1500)
  --timeout <s>           the longest wait for the agent, per turn (default 60)

Output:
  --output <file.wav>     write the agent's audio as PCM16 24 kHz mono WAV, time-aligned with the
                          conversation: silence where the agent was silent, and nothing of what
                          an interruption cut off
  --quiet                 show only the conversation (you:, agent:, tool:, errors)
  -h, --help              show this help

Shows [state] changes (connecting, listening, you are speaking, thinking, agent speaking,
interrupted, reconnecting, ended), "you:" and "agent:" transcripts, "tool:" calls and results,
and each turn's latency as measured here: from the end of your speech (or your message) to
the transcript and to the first agent audio played. A dropped connection is resumed.

Exit status: 0 done, 1 error (the message says what to do), 2 bad usage.`;

export interface TalkArgs {
  help: boolean;
  target: TalkTarget;
  /** In command-line order. */
  turns: ({ kind: 'audio'; file: string } | { kind: 'text'; text: string })[];
  output?: string;
  pushToTalk: boolean;
  quiet: boolean;
  settleMs: number;
  timeoutMs: number;
  recordCommand?: string;
  playCommand?: string;
}

export interface TalkIO extends CommandIO {
  stdin: Readable;
  color: boolean;
}

export function parseTalkArgs(argv: string[], env: NodeJS.ProcessEnv = {}): TalkArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      tokens: true,
      options: {
        url: { type: 'string' },
        agent: { type: 'string' },
        key: { type: 'string' },
        'caller-id': { type: 'string' },
        voice: { type: 'string' },
        input: { type: 'string', multiple: true },
        text: { type: 'string', multiple: true },
        output: { type: 'string' },
        'push-to-talk': { type: 'boolean' },
        quiet: { type: 'boolean' },
        'settle-ms': { type: 'string' },
        timeout: { type: 'string' },
        'record-command': { type: 'string' },
        'play-command': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs says what was wrong ("Unknown option '--x'"); the usage follows it.
    throw new TalkUsageError((err as Error).message);
  }
  const v = parsed.values;
  const rawUrl = v.url ?? env.PARLEY_URL ?? 'http://localhost:3000';
  const url = serverUrlOption(rawUrl);
  for (const [name, value] of Object.entries({ agent: v.agent, key: v.key, 'caller-id': v['caller-id'], voice: v.voice, output: v.output })) {
    if (value === '') throw new TalkUsageError(`--${name} needs a value.`);
  }
  const turns: TalkArgs['turns'] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'input') turns.push({ kind: 'audio', file: t.value });
    if (t.name === 'text') {
      if (!t.value.trim()) throw new TalkUsageError('--text needs a message.');
      turns.push({ kind: 'text', text: t.value });
    }
  }
  const key = v.key ?? (env.PARLEY_KEY || undefined);
  const target: TalkTarget = { url, ...(v.agent ? { agent: v.agent } : {}), ...(key ? { key } : {}), ...(v['caller-id'] ? { callerId: v['caller-id'] } : {}), ...(v.voice ? { voice: v.voice } : {}) };
  return {
    help: v.help === true,
    target,
    turns,
    ...(v.output ? { output: v.output } : {}),
    pushToTalk: v['push-to-talk'] === true,
    quiet: v.quiet === true,
    settleMs: numberOption('--settle-ms', v['settle-ms'], { above: 0 }) ?? 1500,
    timeoutMs: (numberOption('--timeout', v.timeout, { above: 0 }) ?? 60) * 1000,
    ...(v['record-command'] ? { recordCommand: v['record-command'] } : {}),
    ...(v['play-command'] ? { playCommand: v['play-command'] } : {}),
  };
}

/** `parley talk …`: the exit status (0 done, 1 error, 2 usage). */
export async function talkCommand(argv: string[], io: TalkIO = talkIO()): Promise<number> {
  const line = parseCommandLine(io, TALK_USAGE, () => parseTalkArgs(argv, io.env));
  if ('exit' in line) return line.exit;
  const { args } = line;
  try {
    await talk(args, io);
    return 0;
  } catch (err) {
    io.stderr(`parley talk: ${err instanceof TalkError ? err.message : `unexpected error: ${(err as Error).stack ?? String(err)}`}\n`);
    return 1;
  }
}

function talkIO(): TalkIO {
  return { ...processIO(), stdin: process.stdin, color: wantsColor(process.stdout, process.env) };
}

const never = new Promise<never>(() => undefined);

/** Why the session ended, in words. */
function endedBecause(end: ConnectionEnd): string {
  const why: Record<string, string> = {
    end_call: 'the agent ended the call',
    max_duration: 'the call reached its time limit',
    budget: 'the call reached its budget',
    idle_timeout: 'the agent hung up after a long silence',
    'resumed on a new connection': 'another connection took over this session',
  };
  return why[end.reason] ?? (end.reason || 'the server ended the session');
}

async function talk(args: TalkArgs, io: TalkIO): Promise<void> {
  // Everything that can be checked before connecting is: a bad file or no audio tools fail fast.
  const turns: ScriptTurn[] = args.turns.map((t) => (t.kind === 'audio' ? loadAudioTurn(t.file) : t));
  const devices: AudioDevices | null = turns.length === 0 ? detectAudioDevices({ recordCommand: args.recordCommand, playCommand: args.playCommand }) : null;

  const display = new Display({ write: io.stdout, color: io.color, quiet: args.quiet });
  let failDevice: (err: TalkError) => void = () => undefined;
  const deviceFailed = new Promise<never>((_, reject) => (failDevice = reject));
  deviceFailed.catch(() => undefined); // raced below; unhandled if nothing fails before the end
  const now = (): number => performance.now();
  const timeline = args.output ? new Timeline(now()) : null;
  const sink = devices ? new ProcessSink(devices.play, (err) => failDevice(err)) : null;
  const player = new Player({
    sink,
    deviceLatencyMs: devices?.playLatencyMs ?? 0,
    now,
    onScheduled: (at, pcm) => timeline?.add(at, pcm),
    onCut: (at) => timeline?.cut(at),
    onBusyChange: (busy) => conv.playbackChanged(busy),
  });
  const conn: TalkConnection = new TalkConnection({
    target: args.target,
    onEvent: (e) => {
      conv.handle(e);
      // Push-to-talk turns are the client's: server VAD off, on every (re)start of the session.
      if (args.pushToTalk && e.type === 'session.created') conn.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    },
    onReconnecting: ({ attempt, of, delayMs, why }) => display.state('reconnecting', `${why}; attempt ${attempt} of ${of} in ${delayMs < 1000 ? `${delayMs} ms` : `${(delayMs / 1000).toFixed(1)} s`}`),
  });
  const conv: Conversation = new Conversation({ display, player, send: (e) => conn.send(e), now });
  const link: ScriptLink = { get isOpen() { return conn.isOpen; }, send: (e) => conn.send(e) };

  display.state('connecting', `${args.target.url.origin}${args.target.agent ? `, agent ${args.target.agent}` : ''}`);
  let endReason: string | undefined;
  let connected = false;
  let stopLive: (() => void) | null = null;
  let hungUp = false;
  let failed = true;
  try {
    await conn.open();
    connected = true;
    // Whatever the script does, a session that ends is noted; one that fails ends the command.
    const endedBadly = conn.ended.then((end) => {
      conv.end(end.reason);
      // Code 0: closed from this side, which says why itself.
      if (end.code !== 0) endReason = endedBecause(end);
      if (end.error) throw end.error;
      return turns.length > 0 ? never : undefined;
    });
    const interrupted = io.interrupted.then(() => {
      hungUp = true;
      endReason = 'you hung up';
      if (turns.length > 0) throw new TalkError('interrupted', 'Stopped (Ctrl-C) before the script was done.');
    });
    // Settled later by whichever ends first; the others must not surface as unhandled rejections.
    for (const p of [endedBadly, interrupted]) p.catch(() => undefined);
    let work: Promise<void>;
    if (turns.length > 0) {
      work = waitForSession(conv, args.timeoutMs).then(async () => {
        await runScript(turns, conv, link, { settleMs: args.settleMs, timeoutMs: args.timeoutMs, pushToTalk: args.pushToTalk });
        if (!conv.ended) endReason = 'the script is done';
      });
    } else {
      stopLive = startLive(conv, link, { devices: devices!, pushToTalk: args.pushToTalk, keys: io.stdin, onError: (err) => failDevice(err) });
      work = never;
    }
    await Promise.race([work, endedBadly, deviceFailed, interrupted]);
    failed = false;
  } finally {
    stopLive?.();
    conn.close();
    // The agent's last words (a goodbye) are heard out; a hang-up or a failure stops them.
    if (!hungUp && !failed) await waitUntil(() => !player.playing, 10_000);
    player.interrupt();
    player.close();
    sink?.close();
    if (timeline && args.output) writeOutput(args.output, timeline, now());
    if (connected) display.state('ended', endReason);
  }
}

async function waitForSession(conv: Conversation, timeoutMs: number): Promise<void> {
  await waitUntil(() => conv.started || conv.ended, timeoutMs);
  if (!conv.started && !conv.ended) throw new TalkError('no_session', `Connected, but the server did not start the session within ${Math.round(timeoutMs / 1000)} s; its log says why.`);
}

function writeOutput(file: string, timeline: Timeline, endMs: number): void {
  try {
    writeFileSync(file, timeline.toWav(endMs));
  } catch (err) {
    throw new TalkError('output_failed', `Could not write --output ${file}: ${(err as Error).message}.`);
  }
}
