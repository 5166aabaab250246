import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { launchChromium, missingBrowser, writeMicrophoneWav } from '../../helpers/browser.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { AudioFactory, missingTools } from '../../helpers/speech-audio.js';

const skip = missingBrowser() ?? missingTools() ?? false;

interface PageResult {
  status: number;
  location: string | null;
  events: Array<{ type: string; [k: string]: unknown }>;
  inbound: { packetsReceived: number; totalAudioEnergy: number } | null;
  outbound: { packetsSent: number } | null;
}

/**
 * The page's side, as plain browser JavaScript (a string: the test's TypeScript transform must not
 * touch it): OpenAI's WebRTC recipe unchanged but for the URL, run until the question has been
 * answered and its audio has played, then hung up.
 */
const CALL_SCRIPT = `(async () => {
  const pc = new RTCPeerConnection();
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc.addTrack(mic.getAudioTracks()[0], mic);
  pc.ontrack = (e) => {
    const el = new Audio();
    el.srcObject = e.streams[0] || new MediaStream([e.track]);
    el.play().catch(() => {});
  };
  const dc = pc.createDataChannel('oai-events');
  const events = [];
  dc.onmessage = (e) => events.push(JSON.parse(e.data));
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch('/v1/realtime/calls', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
  const body = await res.text();
  if (res.status !== 201) return { status: res.status, location: null, events: [{ type: 'http', body }], inbound: null, outbound: null };
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  const answered = () => {
    const done = events.find((e) => e.type === 'response.done' && JSON.stringify(e).includes('Monday to Friday'));
    return !!done && events.some((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === done.response.id);
  };
  for (const deadline = Date.now() + 45000; !answered() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
  let inbound = null;
  let outbound = null;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') inbound = { packetsReceived: s.packetsReceived || 0, totalAudioEnergy: s.totalAudioEnergy || 0 };
    if (s.type === 'outbound-rtp' && s.kind === 'audio') outbound = { packetsSent: s.packetsSent || 0 };
  });
  pc.close();
  return { status: res.status, location: res.headers.get('location'), events, inbound, outbound };
})()`;

describe('a plain browser RTCPeerConnection talks to /v1/realtime/calls (headless Chromium, microphone = an espeak-ng WAV)', { skip }, () => {
  let srv: TestServer;
  let store: Store;
  let browser: Browser;
  const audio = new AudioFactory();

  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
    const mic = join(audio.dir, 'mic.wav');
    // The greeting plays out first; then the caller asks, then stays quiet (Chromium loops the file).
    writeMicrophoneWav(audio, mic, [{ pauseS: 6 }, { say: 'When are you open?' }, { pauseS: 40 }]);
    browser = await launchChromium({ microphoneWav: mic });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    audio.dispose();
  });

  it('the OpenAI WebRTC recipe as-is: offer → 201 answer + Location; greeting heard; the question transcribed and answered; hanging up ends the session', async (t) => {
    const page = await browser.newPage();
    // Same origin as the endpoint, as a page of the deployment would be.
    await page.goto(`${srv.url}/healthz`);
    const result = (await page.evaluate(CALL_SCRIPT)) as PageResult;

    assert.equal(result.status, 201, JSON.stringify(result.events[0]));
    const callId = /^\/v1\/realtime\/calls\/(sess_[A-Za-z0-9]+)$/.exec(result.location ?? '')?.[1];
    assert.ok(callId, `Location: ${result.location}`);
    const types = result.events.map((e) => e.type);
    assert.equal(types[0], 'session.created');
    assert.equal((result.events[0]!.session as { id: string }).id, callId);
    assert.ok(!types.includes('response.output_audio.delta'), 'no audio deltas on the data channel');
    const heard = result.events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed');
    assert.match(String(heard?.transcript), /when are you open/i, 'the browser\'s Opus reached the recognizer');
    const responses = result.events.filter((e) => e.type === 'response.done').map((e) => e.response as { id: string; usage: { output_token_details: { audio_tokens: number } } });
    assert.ok(responses.length >= 2, 'the greeting and the answer');
    for (const r of responses.slice(0, 2)) {
      // Played out (stopped), or cut off by the caller's speech (cleared): under load the question can overlap the greeting.
      assert.ok(types.includes('output_audio_buffer.started') && result.events.some((e) => (e.type === 'output_audio_buffer.stopped' || e.type === 'output_audio_buffer.cleared') && e.response_id === r.id), `started/stopped for ${r.id}`);
    }
    // Chromium's own count of the agent audio it received: every 20 ms frame the two responses produced.
    const producedMs = responses.slice(0, 2).reduce((n, r) => n + r.usage.output_token_details.audio_tokens * 50, 0);
    assert.ok(result.inbound, 'inbound audio stats');
    assert.ok(result.inbound.packetsReceived >= (producedMs / 20) * 0.9, `received ${result.inbound.packetsReceived} packets for ~${producedMs} ms of agent audio`);
    assert.ok(result.inbound.totalAudioEnergy > 0, 'the received audio has energy');
    t.diagnostic(`Chromium received ${result.inbound.packetsReceived} packets for ${producedMs} ms of agent audio; sent ${result.outbound?.packetsSent} microphone packets`);
    assert.ok((result.outbound?.packetsSent ?? 0) > 100, 'the microphone was sent');

    // The page hung up (pc.close()): the session ends and is recorded.
    for (let i = 0; i < 50 && srv.server.sessions.get(callId); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(srv.server.sessions.get(callId), undefined, 'the session ended when the browser hung up');
    const record = await store.records.session(callId);
    assert.equal(record?.transport, 'webrtc');
    assert.match(record?.endReason ?? '', /^client closed/);
    await page.close();
  });
});
