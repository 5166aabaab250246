import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TwilioNetwork, TwilioSimError } from '../../../src/simulators/twilio/index.js';
import { startFakeParley, type FakeParley, type Msg } from './fake-parley.js';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

const tone = (ms: number, rate = 8000): Int16Array => Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const media = (messages: Msg[]): Msg[] => messages.filter((m) => m.event === 'media');

describe('Twilio simulator: the media stream, as Twilio sends it', () => {
  let fake: FakeParley;
  let net: TwilioNetwork;
  before(async () => {
    fake = await startFakeParley({ authToken: AUTH_TOKEN });
    net = await TwilioNetwork.start({ authToken: AUTH_TOKEN });
  });
  after(async () => {
    await net.close();
    await fake.close();
  });

  it('signed webhook → TwiML → signed upgrade → connected, start, then media every 20 ms with string counters', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url, from: '+15551230001', to: '+15550100000' });
    const connectedAt = performance.now();
    const stream = await streamP;
    const voice = fake.requests.find((r) => r.path === '/twilio/voice')!;
    assert.equal(voice.signatureValid, true, 'the webhook signature validates with twilio.validateRequest');
    assert.equal(voice.params.CallSid, call.callSid);
    assert.match(voice.params.CallSid!, /^CA[0-9a-f]{32}$/);
    assert.match(voice.params.AccountSid!, /^AC[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...voice.params, CallSid: 'x', AccountSid: 'y' },
      { CallSid: 'x', AccountSid: 'y', ApiVersion: '2010-04-01', CallStatus: 'ringing', Called: '+15550100000', Caller: '+15551230001', Direction: 'inbound', From: '+15551230001', To: '+15550100000' },
    );
    assert.equal(stream.upgradeSignatureValid, true, 'the upgrade signature validates over the stream URL with {}');

    await sleep(1100);
    const elapsed = performance.now() - connectedAt;
    await call.hangUp();
    await stream.closed;
    const msgs = stream.messages.slice(0, -1);
    assert.equal(stream.messages.at(-1)!.event, 'stop');
    assert.deepEqual(msgs[0], { event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = msgs[1]!;
    assert.equal(start.event, 'start');
    assert.equal(start.sequenceNumber, '1');
    assert.match(start.streamSid, /^MZ[0-9a-f]{32}$/);
    assert.equal(call.streamSid, start.streamSid);
    assert.deepEqual(start.start, {
      streamSid: start.streamSid,
      accountSid: net.accountSid,
      callSid: call.callSid,
      tracks: ['inbound'],
      customParameters: { token: `tok-${call.callSid}`, caller: '+15551230001', session_id: 'sess_1' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    });
    assert.deepEqual(call.customParameters, start.start.customParameters);
    const frames = msgs.slice(2);
    assert.ok(frames.every((m) => m.event === 'media'));
    frames.forEach((m, i) => {
      assert.equal(m.sequenceNumber, String(i + 2), 'sequence numbers +1 per message');
      assert.equal(m.streamSid, start.streamSid);
      assert.equal(m.media.track, 'inbound');
      assert.equal(m.media.chunk, String(i + 1), 'chunks from "1"');
      assert.deepEqual(Buffer.from(m.media.payload, 'base64'), Buffer.alloc(160, 0xff), 'µ-law silence while the caller says nothing');
    });
    // Timestamps advance 20 ms per frame from 0; only a stall of the test machine too long to
    // catch up (counted in framesLost) makes one jump, like a lost packet.
    const timestamps = frames.map((m) => Number(m.media.timestamp));
    assert.equal(timestamps[0], 0);
    const jumps = timestamps.slice(1).map((t, i) => t - timestamps[i]!);
    assert.equal(jumps.filter((j) => j !== 20).length === 0, call.framesLost === 0, `jumps ${jumps.filter((j) => j !== 20)} with ${call.framesLost} frames lost`);
    assert.equal(timestamps.at(-1)! / 20 + 1, frames.length + call.framesLost);
    // 50 frames per second in real time: the last frame covers the time just before the hang-up.
    const last = timestamps.at(-1)!;
    assert.ok(last > elapsed - 100 && last < elapsed + 20, `last timestamp ${last} after ${elapsed.toFixed(0)} ms`);
  });

  it('paces in real time without bunching: arrivals follow the timestamps', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    const lateBefore = net.tickStats.late;
    const arrivals: number[] = [];
    stream.ws.on('message', (d) => {
      if (String(d).includes('"media"')) arrivals.push(performance.now());
    });
    await sleep(1000);
    await call.hangUp();
    // One frame per tick, never two, unless the tick itself ran late (a loaded test machine): a
    // frame held back a tick and sent with the next would be bunching by design.
    const lateTicks = net.tickStats.late - lateBefore;
    assert.ok(call.framesBunched <= 5 * lateTicks, `${call.framesBunched} frames sent in pairs, ${lateTicks} late ticks`);
    // Frame k arrives at ~20k ms plus a constant: no drift.
    const offsets = arrivals.map((t, k) => t - 20 * k);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Medians, so one stall of a busy machine does not count as drift.
    const drift = median(offsets.slice(-10)) - median(offsets.slice(0, 10));
    assert.ok(arrivals.length + call.framesLost >= 47, `${arrivals.length} frames in 1 s`);
    assert.ok(Math.abs(drift) < 15, `arrivals drift from the schedule by ${drift.toFixed(1)} ms in 1 s`);
  });

  it('play(): the caller audio goes out in 20 ms µ-law frames, then silence; dtmf; gap() makes the timestamp jump', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    const playStart = performance.now();
    await call.play(tone(200, 16000), 16000);
    const playMs = performance.now() - playStart;
    const afterPlay = media(stream.messages).length;
    await call.pressDigits('1#', { gapMs: 50 });
    call.gap(100);
    await sleep(250);
    await call.hangUp();

    const frames = media(stream.messages);
    const voiced = frames.filter((m) => !Buffer.from(m.media.payload, 'base64').every((b) => b === 0xff));
    assert.equal(voiced.length, 10, '200 ms of tone = 10 frames');
    const firstVoiced = frames.indexOf(voiced[0]!);
    assert.deepEqual(voiced, frames.slice(firstVoiced, firstVoiced + 10), 'back to back');
    assert.ok(playMs >= 180, `200 ms of audio took ${playMs.toFixed(0)} ms to send: real time`);
    // The fake receives over a socket (later): it cannot have more than what was sent by then.
    assert.ok(afterPlay <= frames.indexOf(voiced[9]!) + 1 + 5, 'play() resolved once its last frame was sent');

    const dtmf = stream.messages.filter((m) => m.event === 'dtmf');
    assert.deepEqual(dtmf.map((m) => m.dtmf), [{ track: 'inbound_track', digit: '1' }, { track: 'inbound_track', digit: '#' }]);
    // Sequence numbers stay contiguous across all message types.
    stream.messages.slice(1).forEach((m, i) => assert.equal(m.sequenceNumber, String(i + 1)));

    const jumps = frames.slice(1).map((m, i) => Number(m.media.timestamp) - Number(frames[i]!.media.timestamp));
    assert.deepEqual(jumps.filter((j) => j !== 20), [120], 'five frames lost: the next timestamp is 120 ms on');
    frames.forEach((m, i) => assert.equal(m.media.chunk, String(i + 1), 'chunks stay contiguous across the gap'));

    const last = stream.messages.at(-1)!;
    assert.deepEqual(last, { event: 'stop', sequenceNumber: last.sequenceNumber, streamSid: call.streamSid, stop: { accountSid: net.accountSid, callSid: call.callSid } });
    await stream.closed;
  });

  it('hangUp(): stop, close, stream and call status callbacks (signed); ended.by caller', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await sleep(100);
    const end = await call.hangUp();
    assert.equal(end.by, 'caller');
    assert.deepEqual(await call.ended, end);
    await stream.closed;
    assert.equal(stream.messages.at(-1)!.event, 'stop');
    const mine = fake.requests.filter((r) => r.params.CallSid === call.callSid);
    assert.deepEqual(mine.map((r) => r.path), ['/twilio/voice', '/twilio/stream-status', '/twilio/stream-status', '/twilio/status']);
    assert.ok(mine.every((r) => r.signatureValid));
    assert.deepEqual(mine.filter((r) => r.path === '/twilio/stream-status').map((r) => [r.params.StreamEvent, r.params.StreamSid]), [
      ['stream-started', call.streamSid],
      ['stream-stopped', call.streamSid],
    ]);
    const status = mine.at(-1)!.params;
    assert.equal(status.CallStatus, 'completed');
    assert.equal(status.CallbackSource, 'call-progress-events');
    assert.match(status.CallDuration!, /^\d+$/);
    assert.match(status.Timestamp!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(call.finished, true);
    await assert.rejects(call.play(tone(20), 8000), { code: 'CALL_ENDED' });
  });

  it("the application's audio plays in order; marks come back once played, with sequence numbers; heard() is time-aligned", async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'start');
    const agent = Buffer.alloc(800, 0x10); // 100 ms
    const sentAt = call.clockMs();
    stream.send({ event: 'media', media: { payload: agent.toString('base64') } });
    stream.send({ event: 'mark', mark: { name: 'm1' } });
    stream.send({ event: 'media', media: { payload: agent.toString('base64') } });
    stream.send({ event: 'mark', mark: { name: 'm2' } });
    const marks = await call.waitForMarks(2, 2000);
    assert.deepEqual(marks.map((m) => [m.name, m.playedBytesBefore, m.discarded]), [
      ['m1', 800, false],
      ['m2', 1600, false],
    ]);
    assert.ok(marks[1]!.ackedAtMs - marks[0]!.ackedAtMs === 100, 'm2 is reached 100 ms of audio after m1');
    assert.ok(marks[0]!.ackedAtMs >= sentAt + 100, `m1 is acknowledged only after its 100 ms have played: ${JSON.stringify(marks)} sent at ${sentAt}`);
    const echoes = await Promise.all(['m1', 'm2'].map((n) => stream.waitFor((m) => m.event === 'mark' && m.mark.name === n)));
    for (const e of echoes) assert.match(e.sequenceNumber, /^\d+$/);
    const between = Number(echoes[1]!.sequenceNumber) - Number(echoes[0]!.sequenceNumber) - 1;
    assert.ok(between >= 4 && between <= 6, `m2 echoes 100 ms (~5 media frames) after m1: ${between}`);
    await call.hangUp();
    const heard = call.heard();
    const first = heard.indexOf(0x10);
    assert.ok(first >= 0 && first % 160 === 0, 'agent audio starts on a frame boundary');
    assert.ok(heard.subarray(first, first + 1600).every((b) => b === 0x10), '200 ms of agent audio, back to back');
    assert.ok(heard.subarray(first + 1600).every((b) => b === 0xff), 'then silence');
    assert.ok(Math.abs(first / 8 - marks[0]!.ackedAtMs + 100) < 1e-9, 'the recording and the mark clock agree');
    assert.equal(call.received.media, 2);
    assert.equal(call.received.mark, 2);
    assert.equal(call.agentBytesReceived, 1600);
  });

  it('clear drops the queued audio and echoes the pending marks at once, as discarded', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'start');
    stream.send({ event: 'media', media: { payload: Buffer.alloc(8000, 0x20).toString('base64') } }); // 1 s
    stream.send({ event: 'mark', mark: { name: 'long' } });
    stream.send({ event: 'mark', mark: { name: 'after' } });
    await sleep(200);
    stream.send({ event: 'clear' });
    const marks = await call.waitForMarks(2, 1000);
    assert.deepEqual(marks.map((m) => [m.name, m.discarded]), [
      ['long', true],
      ['after', true],
    ]);
    assert.ok(marks[0]!.playedBytesBefore >= 160 * 8 && marks[0]!.playedBytesBefore < 8000, `played ${marks[0]!.playedBytesBefore} bytes before the clear`);
    await stream.waitFor((m) => m.event === 'mark' && m.mark.name === 'after', 500);
    await sleep(100);
    assert.equal(call.clears, 1);
    assert.equal(call.queuedAgentMs, 0);
    const heard = call.heard();
    const played = heard.filter((b) => b === 0x20).length;
    assert.equal(played, marks[0]!.playedBytesBefore, 'what was heard is exactly what the mark says was played');
    await call.hangUp();
  });

  it('waitUntilSilent(): resolves once the agent audio has played and nothing new came', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'start');
    const waited = call.waitUntilSilent({ quietMs: 200, timeoutMs: 3000, afterAudio: true });
    await sleep(100);
    const t0 = call.clockMs();
    stream.send({ event: 'media', media: { payload: Buffer.alloc(2400, 0x30).toString('base64') } }); // 300 ms
    await waited;
    const t = call.clockMs() - t0;
    assert.ok(t >= 500 && t < 1000, `silent after 300 ms of audio + 200 ms quiet, took ${t.toFixed(0)} ms`);
    await assert.rejects(call.waitUntilSilent({ quietMs: 100, timeoutMs: 50 }), { code: 'TIMEOUT' });
    await call.hangUp();
    await assert.rejects(call.waitForMarks(1, 100), { code: 'CALL_ENDED' });
  });

  it('bad messages from the application are recorded as protocol errors, never thrown', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'start');
    stream.ws.send('not json');
    stream.ws.send(Buffer.from([1, 2, 3]));
    stream.send({ event: 'media', media: { payload: '***' } });
    stream.send({ event: 'mark', mark: {} });
    stream.send({ event: 'dance' });
    stream.ws.send(JSON.stringify({ event: 'clear', streamSid: `MZ${'0'.repeat(32)}` }));
    await sleep(100);
    assert.equal(call.errors.length, 6, call.errors.join('\n'));
    assert.match(call.errors[0]!, /not JSON/);
    assert.match(call.errors[1]!, /binary/);
    assert.match(call.errors[2]!, /media\.payload: Invalid base64/);
    assert.match(call.errors[5]!, /for stream MZ0+, but this stream is MZ/);
    assert.equal(call.clears, 0);
    assert.equal(call.connected, true, 'the call goes on');
    await call.hangUp();
  });

  it('a refused webhook rejects net.call with the status and body', async () => {
    await assert.rejects(net.call({ baseUrl: fake.url, authTokenOverride: 'wrong-token' }), (err: unknown) => {
      assert.ok(err instanceof TwilioSimError);
      assert.equal(err.code, 'WEBHOOK_REFUSED');
      assert.equal(err.status, 403);
      assert.equal(err.body, 'invalid signature');
      return true;
    });
    assert.equal(fake.requests.at(-1)!.signatureValid, false);
    await assert.rejects(net.call({ baseUrl: 'http://127.0.0.1:9' }), { code: 'WEBHOOK_FAILED' });
  });

  it('a forged or missing upgrade signature: the refused handshake rejects with STREAM_HANDSHAKE_FAILED', async () => {
    const live = net.calls.length;
    await assert.rejects(net.call({ baseUrl: fake.url, upgradeAuthToken: 'forged' }), { code: 'STREAM_HANDSHAKE_FAILED', status: 403 });
    await assert.rejects(net.call({ baseUrl: fake.url, signUpgrade: false }), { code: 'STREAM_HANDSHAKE_FAILED', status: 403 });
    assert.equal(net.calls.length, live, 'refused calls are dropped');
  });
});
