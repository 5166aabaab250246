import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWav } from '../../src/audio/wav.js';
import type { RecordingError} from '../../src/recordings/recording-store.js';
import { RecordingStore } from '../../src/recordings/recording-store.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient, spokenText } from '../helpers/realtime-client.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { streamRealtime } from '../helpers/voice-session.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const ADMIN = { headers: { authorization: `Bearer ${ADMIN_KEY}` } };

const agent = (name: string, recording: boolean): string => `name: ${name}
description: Recording test agent.
instructions: Test.
engine: local
access: public
greeting: Hello.
recording: ${recording}
`;


describe('recording: raw audio only for agents that record, encrypted at rest', { skip: missingTools() ?? false }, () => {
  let srv: TestServer;
  let store: Store;
  let agents: string;
  let recordings: string;
  const key = randomBytes(32).toString('hex');
  const audio = new AudioFactory();
  before(async () => {
    agents = mkdtempSync(join(tmpdir(), 'parley-rec-agents-'));
    recordings = mkdtempSync(join(tmpdir(), 'parley-recordings-'));
    writeFileSync(join(agents, 'recorded.yaml'), agent('recorded', true));
    writeFileSync(join(agents, 'plain.yaml'), agent('plain', false));
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' }, server: { apiKey: ADMIN_KEY }, agents: { default: 'plain' }, store: { recordingsDir: recordings, recordingKey: key } }, { agentsDir: agents, store });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
    rmSync(agents, { recursive: true, force: true });
    rmSync(recordings, { recursive: true, force: true });
  });

  /** A short spoken exchange; resolves with the session id, what was sent and the agent audio bytes received, once the session is closed and recorded. */
  async function call(agentName: string): Promise<{ id: string; sent: Int16Array; agentBytes: number }> {
    const ws = await RawClient.connect(`${srv.wsUrl}?agent=${agentName}`);
    const id = (await ws.next('session.created')).session.id as string;
    await ws.next('response.done', undefined, 15_000);
    const speech = audio.speech('When are you open?', 0.3, 1.2, 24000);
    const sent = mix(speech, whiteNoise(speech.length), 32768 * 10 ** (-60 / 20));
    await streamRealtime(ws, sent);
    await ws.next('response.done', (e) => /Monday to Friday/.test(spokenText(e.response)), 15_000);
    await ws.close();
    const agentBytes = ws.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0);
    const deadline = Date.now() + 5000;
    while (!(await store.records.session(id))?.endedAt && Date.now() < deadline) await sleep(50);
    return { id, sent, agentBytes };
  }

  it("keeps both sides of a recording agent's session, encrypted on disk, and serves them as WAV to the admin API", async () => {
    const { id, sent, agentBytes } = await call('recorded');
    const files = readdirSync(join(recordings, id)).sort();
    assert.deepEqual(files, ['agent.000.enc', 'caller.000.enc']);
    const onDisk = readFileSync(join(recordings, id, 'caller.000.enc'));
    assert.equal(onDisk.subarray(0, 8).toString(), 'PRLYREC1');
    const plain = Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength);
    assert.equal(onDisk.indexOf(plain.subarray(24_000, 24_064)), -1, 'no raw audio on disk');

    const caller = await fetch(`${srv.url}/api/sessions/${id}/recording?track=caller`, ADMIN);
    assert.equal(caller.status, 200);
    assert.equal(caller.headers.get('content-type'), 'audio/wav');
    const heard = readWav(new Uint8Array(await caller.arrayBuffer()));
    assert.equal(heard.sampleRate, 24000);
    assert.deepEqual(heard.samples, sent, "the caller's track is exactly what the caller sent");
    const said = readWav(new Uint8Array(await (await fetch(`${srv.url}/api/sessions/${id}/recording?track=agent`, ADMIN)).arrayBuffer()));
    assert.ok(agentBytes > 24_000, 'the agent spoke');
    assert.equal(said.samples.length, agentBytes / 2, "the agent's track is all the audio it sent");

    await assert.rejects(new RecordingStore(recordings, randomBytes(32).toString('hex')).read(id, 'caller'), (e: RecordingError) => e.code === 'recording_unreadable');
  });

  it('stores no audio for an agent that does not record', async () => {
    const { id } = await call('plain');
    assert.equal(readdirSync(recordings).includes(id), false);
    const res = await fetch(`${srv.url}/api/sessions/${id}/recording`, ADMIN);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'recording_not_found');
  });

  it('an agent that records stops start-up when no recording key is set', async () => {
    await assert.rejects(startTestServer({ engine: { default: 'local' } }, { agentsDir: agents, store }), /recorded set recording: true.*PARLEY_RECORDING_KEY/s);
  });
});
