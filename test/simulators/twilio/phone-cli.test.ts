import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pcm16ToUlaw, readWav, writeWav } from '../../../src/audio/index.js';
import { parsePhoneArgs } from '../../../src/cli/phone.js';
import { runParley, type CliRun } from '../../helpers/parley-process.js';
import { startFakeParley, type FakeParley, type FakeStream } from './fake-parley.js';

const AUTH_TOKEN = 'phone-cli-token';

const tone = (ms: number, hz: number, rate: number): Int16Array => Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * hz * i) / rate)));
const ulawTone = (ms: number, hz: number): string => Buffer.from(pcm16ToUlaw(tone(ms, hz, 8000))).toString('base64');

/** The application's side: a 400 ms greeting, then a 300 ms answer once the caller has spoken and paused. */
function agent(stream: FakeStream): void {
  stream.send({ event: 'media', media: { payload: ulawTone(400, 300) } });
  stream.send({ event: 'mark', mark: { name: 'greeting' } });
  let voiced = 0;
  let quiet = 0;
  stream.ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { event: string; media?: { payload: string } };
    if (m.event !== 'media') return;
    const silent = Buffer.from(m.media!.payload, 'base64').every((b) => b === 0xff);
    if (!silent) [voiced, quiet] = [voiced + 1, 0];
    else if (voiced > 0 && ++quiet === 10) {
      voiced = 0;
      stream.send({ event: 'media', media: { payload: ulawTone(300, 600) } });
      stream.send({ event: 'mark', mark: { name: 'answer' } });
    }
  });
}

/** `parley phone …`; the test's own TWILIO_* settings do not reach it (runParley keeps them out). */
const runPhone = (args: string[]): Promise<CliRun> => runParley(['phone', ...args]);

describe('parley phone', () => {
  let fake: FakeParley;
  let dir: string;
  before(async () => {
    fake = await startFakeParley({ authToken: AUTH_TOKEN, onStart: agent });
    dir = mkdtempSync(join(tmpdir(), 'parley-phone-'));
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls, waits for the greeting, says a WAV, presses keys, hears the answer, hangs up and writes what it heard', async () => {
    const say = join(dir, 'hello.wav');
    writeFileSync(say, writeWav({ sampleRate: 16000, channels: 1, samples: tone(500, 440, 16000) }));
    const out = join(dir, 'heard.wav');
    const r = await runPhone(['--url', fake.url, '--auth-token', AUTH_TOKEN, '--say', say, '--digits', '12', '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /voice webhook answered: <Connect><Stream url="ws:\/\/127\.0\.0\.1:\d+\/twilio\/media-stream">/);
    assert.match(r.stdout, /stream MZ[0-9a-f]{32} connected/);
    assert.match(r.stdout, /you: .*hello\.wav \(0\.5 s\)/);
    assert.match(r.stdout, /you press 12/);
    assert.match(r.stdout, /call ended: the caller hung up/);
    assert.match(r.stdout, /Marks acknowledged: 2; clears: 0/);

    const stream = fake.streams.at(-1)!;
    assert.deepEqual(stream.messages.filter((m) => m.event === 'dtmf').map((m) => m.dtmf.digit), ['1', '2']);
    assert.deepEqual(stream.messages.filter((m) => m.event === 'mark').map((m) => m.mark.name), ['greeting', 'answer']);
    assert.equal(stream.messages.at(-1)!.event, 'stop');

    const wav = readWav(readFileSync(out));
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    const loud = (from: number, to: number): number => wav.samples.subarray(from, to).reduce((n, s) => n + (Math.abs(s) > 1000 ? 1 : 0), 0);
    // The greeting (400 ms) and the answer (300 ms) are in it, with silence around them.
    const voicedMs = loud(0, wav.samples.length) / 8;
    assert.ok(voicedMs > 550 && voicedMs < 700, `${voicedMs} ms of agent audio heard`);
    assert.ok(wav.samples.length / 8000 > 2, 'greeting + quiet + 0.5 s said + quiet + answer + quiet');
  });

  it('a refused webhook: exit 1 with the status; bad usage: exit 2', async () => {
    const refused = await runPhone(['--url', fake.url, '--auth-token', 'wrong']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /answered HTTP 403/);
    const usage = await runPhone(['--url', fake.url]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--auth-token .* is required/);
  });

  it('parses its options', () => {
    assert.deepEqual(parsePhoneArgs(['--say', 'a.wav', '--say', 'b.wav', '--hangup-after-ms', '5000'], { TWILIO_AUTH_TOKEN: 't', TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}` }), {
      help: false,
      url: 'http://localhost:3000',
      authToken: 't',
      accountSid: `AC${'1'.repeat(32)}`,
      from: '+15550100001',
      to: '+15550100000',
      say: ['a.wav', 'b.wav'],
      waitMs: 15000,
      hangupAfterMs: 5000,
    });
    assert.throws(() => parsePhoneArgs(['--digits', '12x'], { TWILIO_AUTH_TOKEN: 't' }), /--digits/);
    assert.throws(() => parsePhoneArgs(['--nope'], { TWILIO_AUTH_TOKEN: 't' }), /Unknown option/);
  });
});
