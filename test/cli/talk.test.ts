import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readWav, writeWav } from '../../src/audio/index.js';
import { parseTalkArgs } from '../../src/cli/talk.js';
import { WebSocketServer } from 'ws';
import { detectAudioDevices } from '../../src/cli/talk/audio-devices.js';
import { TalkConnection } from '../../src/cli/talk/connection.js';
import type { FetchLike } from '../../src/cli/talk/session-api.js';
import { Conversation } from '../../src/cli/talk/conversation.js';
import { Display, wantsColor } from '../../src/cli/talk/display.js';
import { TalkError } from '../../src/cli/talk/errors.js';
import { UsageError } from '../../src/cli/command.js';
import { BYTES_PER_MS, Player, type AudioSink } from '../../src/cli/talk/player.js';
import { Timeline } from '../../src/cli/talk/timeline.js';
import type { ClientEvent, ServerEvent } from '../../src/protocol/schemas/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory, frameLevels, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTalk, talk } from './talk-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAKE_MIC = fileURLToPath(new URL('./fake-mic.mjs', import.meta.url));
const ADMIN_KEY = 'talk-test-admin-key-0123456789';
const BOOKING = "I'd like to book a consultation next Tuesday at ten a.m.";
/** A −60 dBFS microphone noise floor: real input is never digital silence. */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);

const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9' -]/g, ' ').replace(/\s+/g, ' ').trim();
const pcm = (ms: number, value = 1000): Buffer => {
  const b = Buffer.alloc(Math.round(ms * BYTES_PER_MS));
  for (let i = 0; i < b.length; i += 2) b.writeInt16LE(value, i);
  return b;
};

class FakeSink implements AudioSink {
  written = 0;
  stops = 0;
  write(chunk: Buffer): void {
    this.written += chunk.length;
  }
  stop(): void {
    this.stops++;
  }
}

describe('parley talk: the player estimates what was heard', () => {
  it('hands audio over only `leadMs` ahead, and counts as played what the clock says the device has played', () => {
    let t = 1000;
    const sink = new FakeSink();
    const player = new Player({ sink, leadMs: 200, now: () => t, autoTick: false });
    // One 1 s delta is handed over whole (deltas are not split): the estimate is still the clock's.
    player.enqueue('item_a', pcm(1000));
    assert.equal(player.playing, true);
    assert.equal(player.playedMs('item_a'), 0);
    t += 300;
    assert.equal(player.playedMs('item_a'), 300);
    t += 800;
    assert.equal(player.playedMs('item_a'), 1000, 'never more than was handed over');
    player.tick();
    assert.equal(player.playing, false, 'done once the clock passes the end');
  });

  it('keeps the rest queued here, so a barge-in drops it: truncation at bytes handed over minus what the device still holds', () => {
    let t = 0;
    const sink = new FakeSink();
    const cuts: number[] = [];
    const player = new Player({ sink, leadMs: 200, deviceLatencyMs: 40, now: () => t, autoTick: false, onCut: (at) => cuts.push(at) });
    for (let i = 0; i < 20; i++) player.enqueue('item_a', pcm(100)); // 2 s arriving at once, as a TTS burst does
    assert.equal(sink.written, 2 * 100 * BYTES_PER_MS, 'only 200 ms handed to the device at first');
    for (t = 0; t < 700; t += 10) player.tick();
    t = 700;
    player.tick();
    // 700 ms elapsed, heard 40 ms later: 660 ms played; handed = 900 ms (lead 200 ms ahead of 700).
    assert.equal(sink.written, 900 * BYTES_PER_MS);
    assert.equal(player.playedMs('item_a'), 660);
    assert.deepEqual(player.interrupt(), [{ itemId: 'item_a', audioEndMs: 660 }]);
    assert.equal(sink.stops, 1, 'the device is stopped, dropping what it holds');
    assert.deepEqual(cuts, [660], 'the recording loses what was not heard');
    for (t = 700; t < 1500; t += 10) player.tick();
    assert.equal(sink.written, 900 * BYTES_PER_MS, 'nothing queued before the barge-in is played after it');
    assert.equal(player.playing, false);
  });

  it('an underrun (audio arriving late) is a real gap: the estimate does not count it as played', () => {
    let t = 0;
    const player = new Player({ leadMs: 200, now: () => t, autoTick: false });
    player.enqueue('item_a', pcm(100));
    t = 500; // the next chunk comes 400 ms after the first one ran out
    player.enqueue('item_a', pcm(100));
    t = 550;
    assert.equal(player.playedMs('item_a'), 150);
    assert.deepEqual(player.interrupt(), [{ itemId: 'item_a', audioEndMs: 150 }]);
  });

  it('only items with audio left are truncated: a finished one is not, an unheard one is cut at 0', () => {
    let t = 0;
    const player = new Player({ leadMs: 10_000, now: () => t, autoTick: false });
    player.enqueue('item_a', pcm(300));
    player.enqueue('item_b', pcm(300));
    t = 350;
    assert.deepEqual(player.interrupt(), [{ itemId: 'item_b', audioEndMs: 50 }]);
    player.enqueue('item_c', pcm(100));
    player.enqueue('item_d', pcm(100));
    assert.deepEqual(player.interrupt(), [
      { itemId: 'item_c', audioEndMs: 0 },
      { itemId: 'item_d', audioEndMs: 0 },
    ]);
  });
});

describe('parley talk: barge-in in the conversation', () => {
  const setup = () => {
    let t = 0;
    const out: string[] = [];
    const sent: ClientEvent[] = [];
    const sink = new FakeSink();
    const display = new Display({ write: (s) => out.push(s), color: false, quiet: false });
    let conv: Conversation | null = null;
    const player = new Player({ sink, leadMs: 200, now: () => t, autoTick: false, onBusyChange: (b) => conv?.playbackChanged(b) });
    conv = new Conversation({ display, player, send: (e) => (sent.push(e), true), now: () => t });
    const handle = (e: Record<string, unknown>): void => conv.handle(e as ServerEvent);
    const advance = (ms: number): void => {
      for (const end = t + ms; t < end; t += 10) player.tick();
    };
    return { conv, player, sink, out, sent, handle, advance };
  };
  const delta = (itemId: string, ms: number) => ({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: itemId, output_index: 0, content_index: 0, delta: pcm(ms).toString('base64') });

  it('speech over the agent stops playback and truncates the item at what was heard', () => {
    const { conv, sink, out, sent, handle, advance } = setup();
    handle({ type: 'response.created', response: { id: 'resp_1', conversation_id: 'conv_1', status: 'in_progress', output: [] } });
    handle({ type: 'conversation.item.added', item: { id: 'item_a', type: 'message', role: 'assistant', content: [] } });
    for (let i = 0; i < 30; i++) handle(delta('item_a', 100));
    advance(1230);
    handle({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_u' });
    assert.deepEqual(sent, [{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 1230 }]);
    assert.equal(sink.stops, 1);
    const written = sink.written;
    advance(1000);
    assert.equal(sink.written, written, 'the rest of the answer is never played');
    assert.deepEqual(
      out.filter((l) => l.startsWith('[')).map((l) => l.trim()),
      ['[thinking]', '[agent speaking]', '[interrupted]', '[you are speaking]'],
    );
    assert.equal(conv.idle, false, 'the caller is speaking');
  });

  it('audio of an out-of-band response (not in the conversation) is stopped but not truncated; speech with nothing playing truncates nothing', () => {
    const { sent, handle, advance, sink } = setup();
    handle({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_u0' });
    assert.deepEqual(sent, []);
    handle({ type: 'response.created', response: { id: 'resp_f', conversation_id: null, status: 'in_progress', output: [] } });
    handle(delta('item_filler', 500));
    advance(100);
    handle({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_u' });
    assert.deepEqual(sent, []);
    assert.equal(sink.stops, 1);
  });

  it('push-to-talk taking the floor also cancels the response (no server VAD does it)', () => {
    const { conv, sent, handle, advance } = setup();
    handle({ type: 'response.created', response: { id: 'resp_1', conversation_id: 'conv_1', status: 'in_progress', output: [] } });
    handle({ type: 'conversation.item.added', item: { id: 'item_a', type: 'message', role: 'assistant', content: [] } });
    handle(delta('item_a', 1000));
    advance(250);
    conv.bargeIn(true);
    assert.deepEqual(sent, [
      { type: 'response.cancel' },
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 250 },
    ]);
  });

  it('is idle only when no response, no tool call and no audio are left', () => {
    const { conv, handle, advance } = setup();
    assert.equal(conv.idle, true);
    handle({ type: 'response.created', response: { id: 'resp_1', conversation_id: 'conv_1', status: 'in_progress', output: [] } });
    handle({ type: 'response.function_call_arguments.done', response_id: 'resp_1', item_id: 'item_f', output_index: 0, call_id: 'call_1', name: 'book_appointment', arguments: '{"service":"consultation"}' });
    handle({ type: 'response.done', response: { id: 'resp_1', conversation_id: 'conv_1', status: 'completed', output: [] } });
    assert.equal(conv.idle, false, 'the tool is still running on the server');
    handle({ type: 'conversation.item.added', item: { id: 'item_o', type: 'function_call_output', call_id: 'call_1', output: '{"appointment":{"id":"apt_1"}}' } });
    assert.equal(conv.idle, true);
    handle({ type: 'response.created', response: { id: 'resp_2', conversation_id: 'conv_1', status: 'in_progress', output: [] } });
    handle(delta('item_b', 300));
    handle({ type: 'response.done', response: { id: 'resp_2', conversation_id: 'conv_1', status: 'completed', output: [] } });
    assert.equal(conv.idle, false, 'the answer is still playing');
    advance(310);
    assert.equal(conv.idle, true);
  });
});

describe('parley talk: audio devices', () => {
  const only = (...names: string[]) => (n: string) => names.includes(n);

  it('prefers SoX (rec/play), then ALSA (arecord/aplay), both as raw PCM16 24 kHz mono', () => {
    const sox = detectAudioDevices({ has: only('rec', 'play', 'arecord', 'aplay') });
    assert.equal(sox.kind, 'sox');
    assert.equal(sox.record.label, 'rec -q -t raw -r 24000 -e signed-integer -b 16 -c 1 -');
    assert.match(sox.play.label, /^play -q .*-t raw -r 24000 -e signed-integer -b 16 -c 1 -$/);
    const alsa = detectAudioDevices({ has: only('arecord', 'aplay', 'rec') });
    assert.equal(alsa.kind, 'alsa');
    assert.equal(alsa.record.label, 'arecord -q -t raw -f S16_LE -r 24000 -c 1');
    assert.match(alsa.play.label, /^aplay -q .*-t raw -f S16_LE -r 24000 -c 1$/);
  });

  it('with neither, says what to install and how to talk without devices', () => {
    assert.throws(
      () => detectAudioDevices({ has: only('play', 'aplay') }),
      (err: unknown) => err instanceof TalkError && err.code === 'no_audio_tools' && /install sox/.test(err.message) && /alsa-utils/.test(err.message) && /--input file\.wav/.test(err.message),
    );
  });

  it('commands given explicitly win, and need no detected tools', () => {
    const custom = detectAudioDevices({ has: only(), recordCommand: 'parec --raw', playCommand: 'pacat --raw' });
    assert.deepEqual([custom.kind, custom.record.args, custom.play.args], ['custom', ['-c', 'parec --raw'], ['-c', 'pacat --raw']]);
    const mixed = detectAudioDevices({ has: only('rec', 'play'), playCommand: 'cat > /dev/null' });
    assert.deepEqual([mixed.kind, mixed.record.command, mixed.play.label], ['custom', 'rec', 'cat > /dev/null']);
    assert.throws(() => detectAudioDevices({ has: only(), playCommand: 'cat' }), /for a microphone/);
  });
});

describe('parley talk: the time-aligned recording and the arguments', () => {
  it('lays each chunk at its play time, silence between, and drops what a barge-in cut', () => {
    const tl = new Timeline(1000);
    tl.add(1000, pcm(100, 100));
    tl.add(1500, pcm(100, 200));
    tl.cut(1550);
    const out = tl.render(2000);
    assert.equal(out.length, 24000);
    assert.equal(out[0], 100);
    assert.equal(out[2399], 100);
    assert.equal(out[2400], 0);
    assert.equal(out[12000], 200);
    assert.equal(out[13199], 200);
    assert.equal(out[13200], 0, 'cut at 550 ms');
  });

  it('colours only a terminal without NO_COLOR; --quiet keeps the conversation and errors, not states', () => {
    assert.equal(wantsColor({ isTTY: true }, {}), true);
    assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(wantsColor({}, {}), false);
    const out: string[] = [];
    const coloured = new Display({ write: (t) => out.push(t), color: true, quiet: false });
    coloured.agent('Hello');
    assert.equal(out.pop(), '\x1b[32magent:\x1b[0m Hello\n');
    const quiet = new Display({ write: (t) => out.push(t), color: false, quiet: true });
    quiet.state('listening');
    quiet.latency({ 'first audio': 100 });
    quiet.notice('resumed');
    quiet.you('Hi');
    quiet.toolCall('lookup_order', '{ "order_id": "1234" }');
    quiet.error('rate limited');
    assert.deepEqual(out, ['you: Hi\n', 'tool: lookup_order({"order_id":"1234"})\n', 'error: rate limited\n']);
  });

  it('keeps --input and --text in command-line order; --url, --key from the environment; usage errors for the rest', () => {
    const a = parseTalkArgs(['--input', 'a.wav', '--text', 'yes', '--input=b.wav', '--caller-id', '+15551234'], { PARLEY_URL: 'https://parley.example:8443/base', PARLEY_KEY: 'pk_x' });
    assert.deepEqual(a.turns, [
      { kind: 'audio', file: 'a.wav' },
      { kind: 'text', text: 'yes' },
      { kind: 'audio', file: 'b.wav' },
    ]);
    assert.equal(a.target.url.href, 'https://parley.example:8443/base');
    assert.equal(a.target.key, 'pk_x');
    assert.equal(a.target.callerId, '+15551234');
    assert.deepEqual([a.settleMs, a.timeoutMs], [1500, 60_000]);
    for (const bad of [['--url', 'ftp://x'], ['--url', 'nope'], ['--timeout', 'soon'], ['--settle-ms', '0'], ['--frobnicate'], ['--text', '  '], ['extra']]) {
      // A usage error (exit 2 with the usage), whichever check found it.
      assert.throws(() => parseTalkArgs(bad), UsageError, bad.join(' '));
    }
  });
});

describe('parley talk: the connection', () => {
  /** A WebSocket server that records each upgrade, says session.created, and drops the first connection. */
  async function fakeRealtime(): Promise<{ url: string; upgrades: { url: string; auth: string | undefined; protocols: string | undefined }[]; close: () => Promise<void> }> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false) });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const upgrades: { url: string; auth: string | undefined; protocols: string | undefined }[] = [];
    wss.on('connection', (ws, req) => {
      upgrades.push({ url: req.url ?? '', auth: req.headers.authorization, protocols: req.headers['sec-websocket-protocol'] });
      ws.send(JSON.stringify({ type: 'session.created', event_id: 'e1', session: { type: 'realtime', id: 'sess_fake1' } }));
      if (upgrades.length === 1) setTimeout(() => ws.terminate(), 20);
    });
    return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, upgrades, close: () => new Promise((resolve) => wss.close(() => resolve())) };
  }

  const issued = (mode: 'parley' | 'direct', token: string, expiresAt: number) =>
    JSON.stringify({ session_id: 'sess_fake1', agent: 'receptionist', engine: mode === 'direct' ? 'openai' : 'local', model: 'm', client_secret: { value: token, expires_at: expiresAt }, session_token: { value: token, expires_at: expiresAt }, connect: { mode, url: 'ignored' } });

  it('resumes with a new token for the same session once the old one has expired', async () => {
    const srv = await fakeRealtime();
    const asked: Record<string, unknown>[] = [];
    const fetchImpl: FetchLike = async (_url, init) => {
      asked.push(JSON.parse(init.body) as Record<string, unknown>);
      // The first token expires at once; the one for the resume is good for a minute.
      return { status: 200, text: async () => issued('parley', `ek_token${asked.length}.x`, asked.length === 1 ? Math.floor(Date.now() / 1000) - 1 : Math.floor(Date.now() / 1000) + 60) };
    };
    const reconnecting: string[] = [];
    const conn = new TalkConnection({ target: { url: new URL(srv.url), callerId: 'c-1' }, onEvent: () => undefined, onReconnecting: (r) => reconnecting.push(r.why), fetchImpl, backoffMs: [10, 10] });
    try {
      await conn.open();
      while (srv.upgrades.length < 2 || conn.machine.state !== 'open') await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(asked, [{ caller_id: 'c-1' }, { caller_id: 'c-1', session_id: 'sess_fake1' }]);
      assert.deepEqual(
        srv.upgrades.map((u) => [u.url, u.protocols, u.auth]),
        [
          ['/v1/realtime', 'realtime,openai-insecure-api-key.ek_token1.x', undefined],
          ['/v1/realtime', 'realtime,openai-insecure-api-key.ek_token2.x', undefined],
        ],
      );
      assert.deepEqual(reconnecting, ['the connection dropped']);
      assert.equal(conn.machine.state, 'open');
    } finally {
      conn.close();
      await srv.close();
    }
  });

  it("an agent on the OpenAI engine (WebRTC-only keys): refused without a key, through Parley's WebSocket with one", async () => {
    const srv = await fakeRealtime();
    const fetchImpl: FetchLike = async () => ({ status: 200, text: async () => issued('direct', 'ek_openai', Math.floor(Date.now() / 1000) + 60) });
    const noKey = new TalkConnection({ target: { url: new URL(srv.url) }, onEvent: () => undefined, fetchImpl });
    await assert.rejects(noKey.open(), (err: unknown) => err instanceof TalkError && err.code === 'direct_only' && /needs|Talk to an agent on a Parley engine/.test(err.message) && /--key/.test(err.message));
    const conn = new TalkConnection({ target: { url: new URL(srv.url), agent: 'oai', key: 'pk_k', callerId: 'c-2' }, onEvent: () => undefined, fetchImpl, backoffMs: [10] });
    try {
      await conn.open();
      while (srv.upgrades.length < 2) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        srv.upgrades.map((u) => [u.url, u.protocols, u.auth]),
        [
          ['/v1/realtime?agent=oai&caller_id=c-2', 'realtime', 'Bearer pk_k'],
          ['/v1/realtime?session_id=sess_fake1&caller_id=c-2', 'realtime', 'Bearer pk_k'],
        ],
      );
    } finally {
      conn.close();
      await srv.close();
    }
  });

  it('gives up on a definite refusal of the resume, saying why', async () => {
    const srv = await fakeRealtime();
    let n = 0;
    const fetchImpl: FetchLike = async () =>
      ++n === 1
        ? { status: 200, text: async () => issued('parley', 'ek_t.x', Math.floor(Date.now() / 1000) - 1) }
        : { status: 410, text: async () => JSON.stringify({ error: { type: 'invalid_request_error', code: 'session_ended', message: "Session 'sess_fake1' was ended by the agent (end_call); open a new session." } }) };
    const conn = new TalkConnection({ target: { url: new URL(srv.url) }, onEvent: () => undefined, fetchImpl, backoffMs: [10, 10, 10] });
    try {
      await conn.open();
      const end = await conn.ended;
      assert.equal(n, 2, 'no more attempts after a 410');
      assert.equal(end.error?.code, 'session_ended');
      assert.match(end.error?.message ?? '', /^Lost the connection to Parley \(the connection dropped\) and could not resume session sess_fake1: The server refused the session \(HTTP 410 session_ended\)/);
    } finally {
      conn.close();
      await srv.close();
    }
  });
});

/** A free TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const skip = missingTools() ?? false;

describe('parley talk (the CLI, as a child process) against the embedded engine', { skip }, () => {
  let tmp: string;
  let srv: TestServer;
  let store: Store;
  const audio = new AudioFactory();
  let bookingWav: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'parley-talk-'));
    // The demo receptionist, and a copy that needs an API key.
    const agents = join(tmp, 'agents');
    mkdirSync(agents);
    copyFileSync(join(ROOT, 'agents/receptionist.yaml'), join(agents, 'receptionist.yaml'));
    const yaml = readFileSync(join(ROOT, 'agents/receptionist.yaml'), 'utf8').replace(/^name: receptionist$/m, 'name: private').replace(/^access: public$/m, 'access: key').replace(/^phone:\n(?: {2}.*\n)+/m, '');
    writeFileSync(join(agents, 'private.yaml'), yaml);
    store = await openStore({ dataDir: 'memory://' });
    // Tokens live 10 s: a reconnect after that must ask for a new one.
    srv = await startTestServer({ engine: { default: 'local' }, agents: { default: 'receptionist' }, server: { apiKey: ADMIN_KEY, tokenTtlS: 10 } }, { agentsDir: agents, store });
    // 22.05 kHz stereo: the client must mix down and resample to 24 kHz mono itself.
    const speech = audio.speech(BOOKING, 0.3, 0.3, 22050);
    const noisy = mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS);
    const stereo = new Int16Array(noisy.length * 2);
    for (let i = 0; i < noisy.length; i++) stereo[2 * i] = stereo[2 * i + 1] = noisy[i]!;
    bookingWav = join(tmp, 'booking.wav');
    writeFileSync(bookingWav, writeWav({ sampleRate: 22050, channels: 2, samples: stereo }));
  });
  after(async () => {
    audio.dispose();
    await srv.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('--input booking.wav --output out.wav: books by voice, shows it line by line, exits 0, and writes the agent time-aligned', async (t) => {
    const out = join(tmp, 'out.wav');
    const started = Date.now();
    const run = await talk(['--url', srv.url, '--input', bookingWav, '--output', out]);
    const elapsedMs = Date.now() - started;
    t.diagnostic(run.stdout);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');

    const you = run.lines.find((l) => l.startsWith('you: '));
    assert.equal(words(you ?? ''), words(`you: ${BOOKING}`));
    const call = run.lines.find((l) => l.startsWith('tool: book_appointment('));
    assert.ok(call, run.stdout);
    const args = JSON.parse(/\((.*)\)$/.exec(call)![1]!) as Record<string, string>;
    assert.deepEqual([args.service, args.time], ['consultation', '10:00']);
    const result = run.lines.find((l) => l.startsWith('tool: book_appointment → '));
    const booked = (JSON.parse(result!.slice('tool: book_appointment → '.length)) as { appointment: { id: string } }).appointment;
    assert.match(run.lines.find((l) => l.startsWith('agent: You')) ?? '', /^agent: You're all set: a consultation .* at 10 a\.m\. Anything else\?$/);
    const row = await store.business.appointment(booked.id);
    assert.deepEqual([row?.status, row?.service, row?.time, row?.date], ['booked', 'consultation', '10:00', args.date]);

    // The states, in the order a person would see them.
    const states = run.lines.filter((l) => l.startsWith('[')).map((l) => l.replace(/:.*\]$/, ']'));
    const order = ['[connecting]', '[listening]', '[agent speaking]', '[you are speaking]', '[thinking]', '[agent speaking]', '[listening]', '[ended]'];
    let at = 0;
    for (const s of states) if (s === order[at]) at++;
    assert.equal(at, order.length, `states in order ${order.join(' ')}; got ${states.join(' ')}`);
    assert.ok(run.lines.some((l) => /^latency: (transcript \d+ ms, )?first audio \d+ ms$/.test(l)), 'the turn latency is shown');
    assert.ok(run.lines.includes('[ended: the script is done]'));

    // out.wav: 24 kHz mono, as long as the conversation, agent speech where the agent spoke, silence while the caller did.
    const wav = readWav(readFileSync(out));
    assert.deepEqual([wav.sampleRate, wav.channels], [24000, 1]);
    const seconds = wav.samples.length / 24000;
    assert.ok(seconds > 8 && seconds * 1000 <= elapsedMs, `${seconds.toFixed(1)} s of ${elapsedMs} ms`);
    const levels = frameLevels(wav.samples, 24000);
    const loud = levels.map((l) => l > -40);
    const firstLoud = loud.indexOf(true);
    assert.ok(firstLoud >= 0 && firstLoud < 100, `the greeting starts within 1 s (frame ${firstLoud})`);
    // The longest silence after the greeting started: the caller's turn (~4 s of speech, plus the VAD's window).
    let longest = 0;
    for (let i = firstLoud, run0 = 0; i < loud.length; i++) {
      run0 = loud[i] ? 0 : run0 + 1;
      longest = Math.max(longest, run0);
    }
    assert.ok(longest * 10 > 3500, `a gap of ${longest * 10} ms while the caller spoke`);
    assert.ok(loud.filter(Boolean).length * 10 > 5000, 'several seconds of agent speech (greeting and confirmation)');
  });

  it('--text turns, --quiet: only the conversation, in order', async () => {
    const run = await talk(['--url', srv.url, '--text', 'When are you open', '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.lines, [
      'agent: Hi, thanks for calling Maple Street Clinic. How can I help you today?',
      'you: When are you open',
      "agent: We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m.",
    ]);
  });

  it('a key-only agent: refused without --key (saying how to get one), answered with it (PARLEY_KEY)', async () => {
    const [without, withKey, wrongKey] = await Promise.all([
      talk(['--url', srv.url, '--agent', 'private', '--text', 'Hello']),
      talk(['--url', srv.url, '--agent', 'private', '--text', 'When are you open', '--quiet'], { env: { PARLEY_KEY: ADMIN_KEY } }),
      talk(['--url', srv.url, '--agent', 'private', '--key', 'pk_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--text', 'Hello']),
    ]);
    assert.equal(without.code, 1);
    assert.match(without.stderr, /^parley talk: The server refused the session \(HTTP 401 missing_credential\): Agent 'private' needs an API key/);
    assert.match(without.stderr, /pass --key <key> \(or set PARLEY_KEY\); an admin makes one with `parley keys create --name <name> --scope agent:private`/);
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.match(withKey.stdout, /^agent: We're open Monday to Friday/m);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /^parley talk: The server refused the session \(HTTP 401 invalid_credential\): .*\nCheck the key given with --key/);
  });

  it('errors in words, exit 1: nothing listening, an unknown agent, an unreadable file, a silent one', async () => {
    const port = await closedPort();
    const wav = join(tmp, 'not-a.wav');
    writeFileSync(wav, 'hello, this is not audio at all');
    const silent = join(tmp, 'silent.wav');
    writeFileSync(silent, writeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(32000) }));
    const [down, agent, file, quiet] = await Promise.all([
      talk(['--url', `http://127.0.0.1:${port}`, '--text', 'Hello']),
      talk(['--url', srv.url, '--agent', 'nobody', '--text', 'Hello']),
      talk(['--url', srv.url, '--input', wav]),
      talk(['--url', srv.url, '--input', silent, '--quiet']),
    ]);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, `parley talk: Could not reach Parley at http://127.0.0.1:${port}: nothing is listening there (ECONNREFUSED). Is the server running (\`parley serve\`), and is --url right?\n`);
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /^parley talk: The server refused the session \(HTTP 404 agent_not_found\): No agent named 'nobody'\. Agents: .*receptionist.*\.\nChoose one of those agents with --agent\.\n$/);
    assert.equal(file.code, 1);
    assert.match(file.stderr, /^parley talk: Cannot use --input .*not-a\.wav: not a WAV file/);
    assert.equal(quiet.code, 1);
    assert.match(quiet.stderr, /^parley talk: The server heard no speech in turn 1 of 1 \(.*silent\.wav\): is the file speech at a normal level, not silence\?\n$/);
    for (const r of [down, agent, file, quiet]) assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'a message, not a stack trace');
  });

  it('bad arguments exit 2 with the usage; --help exits 0', async () => {
    const [unknown, url, help] = await Promise.all([talk(['--frobnicate']), talk(['--url', 'localhost:3000']), talk(['--help'])]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^Unknown option '--frobnicate'.*\n\nUsage: parley talk \[options\]/s);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /^Invalid --url "localhost:3000": use http:\/\/ or https:\/\//);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: parley talk \[options\]/);
    for (const flag of ['--url', '--agent', '--key', '--caller-id', '--voice', '--input', '--output', '--text', '--push-to-talk', '--quiet', '--timeout']) assert.ok(help.stdout.includes(flag), flag);
    assert.match(help.stdout, /PCM16 24 kHz mono WAV, time-aligned/);
  });

  it('a dropped connection is resumed (a new token for the same session, the old one has expired) and the script goes on', async (t) => {
    const proxy = await TcpProxy.start(Number(new URL(srv.url).port));
    try {
      const started = Date.now();
      const p = startTalk(['--url', `http://127.0.0.1:${proxy.port}`, '--caller-id', 'talk-resume-1', '--input', bookingWav, '--text', 'When are you open']);
      p.child.stdin!.end();
      const session = /^session (sess_\w+)$/.exec(await p.waitForLine(/^session sess_/))![1];
      await p.waitForLine(/^tool: book_appointment → /);
      assert.ok(Date.now() - started > 10_000, 'the token has expired by now');
      proxy.cut();
      const run = await p.done;
      t.diagnostic(run.stdout);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.lines.some((l) => /^\[reconnecting: the connection dropped; attempt 1 of \d+ in \d+ ms\]$/.test(l)), run.stdout);
      assert.ok(run.lines.includes(`resumed session ${session}`), run.stdout);
      assert.match(run.stdout, /^resumed session [\s\S]*^you: When are you open\n[\s\S]*^agent: We're open Monday/m);
      const record = await store.records.session(session!);
      assert.equal(record?.callerId, 'talk-resume-1');
    } finally {
      await proxy.close();
    }
  });

  it('live: a microphone and a speaker program; talking over the greeting interrupts it; Ctrl-C hangs up with exit 0', async (t) => {
    // The booking is said 1.5 s in, over the greeting (which is ~4 s long). The slot may be taken by
    // now (two earlier tests booked it): the agent's answer either way ends the test.
    const raw = join(tmp, 'mic.raw');
    const speech = audio.speech(BOOKING, 0, 0.3, 24000);
    writeFileSync(raw, Buffer.from(mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS).buffer));
    const speaker = join(tmp, 'speaker.raw');
    const out = join(tmp, 'live.wav');
    const p = startTalk(['--url', srv.url, '--caller-id', 'talk-live-1', '--record-command', `exec "${process.execPath}" "${FAKE_MIC}" "${raw}" 1500`, '--play-command', `exec cat >> "${speaker}"`, '--output', out]);
    await p.waitForLine(/^agent: (You're all set|Sorry)/);
    p.child.kill('SIGINT');
    const run = await p.done;
    t.diagnostic(run.stdout);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.lines.includes('[interrupted]'), run.stdout);
    const heard = Number(/^interrupted: the agent was heard up to ([\d.]+) s of its answer$/m.exec(run.stdout)?.[1]);
    assert.ok(heard > 0.8 && heard < 3.5, `the greeting was cut where the caller spoke, ~1.5–2 s in: ${heard} s`);
    assert.match(run.stdout, /^agent: Hi, thanks for calling.* \[interrupted\]$/m);
    assert.equal(words(run.lines.find((l) => l.startsWith('you: ')) ?? ''), words(`you: ${BOOKING}`));
    assert.ok(run.lines.includes('[ended: you hung up]'));
    // What reached the speaker: the cut greeting, then the answer.
    const played = readFileSync(speaker).length / BYTES_PER_MS;
    assert.ok(played > heard * 1000 + 1000, `${played} ms played`);
    const wav = readWav(readFileSync(out));
    assert.equal(wav.sampleRate, 24000);
  });
});
