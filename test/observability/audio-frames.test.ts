import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { OPUS_FRAME_SAMPLES, OpusDecoder, OpusEncoder } from '../../src/audio/index.js';
import type { FrameMeter, OutboundMeter } from '../../src/observability/audio-meter.js';
import { ParleyMetrics } from '../../src/observability/metrics.js';
import { NodeCapacity } from '../../src/server/limits/node-capacity.js';
import { PCM24K_FRAMES, Playout } from '../../src/transports/playout/playout.js';
import { InboundStream } from '../../src/transports/twilio/inbound.js';
import { InboundAudio } from '../../src/transports/webrtc/inbound.js';
import { parseMetrics, total } from './prometheus-text.js';

/** A meter that remembers what it was told. */
function recorder(): OutboundMeter & { lates: number; drops: number; lateness: (ms: number) => void; latenesses: number[] } {
  const m = {
    lates: 0,
    drops: 0,
    latenesses: [] as number[],
    late: (n: number) => void (m.lates += n),
    dropped: (n: number) => void (m.drops += n),
    lateness: (ms: number) => void m.latenesses.push(ms),
  };
  return m;
}

const ulaw = (byte: number): string => Buffer.alloc(160, byte).toString('base64');

describe('audio frames: what the transports count', () => {
  it('Twilio inbound: a gap in the timestamps is frames dropped; a frame whose time has passed is late', () => {
    const meter = recorder();
    const s = new InboundStream(() => undefined, () => 0, meter);
    s.frame(0, ulaw(1), 160);
    s.frame(100, ulaw(2), 160); // 80 ms lost: frames at 20, 40, 60, 80
    assert.equal(meter.drops, 4);
    s.frame(40, ulaw(3), 160);
    s.frame(100, ulaw(2), 160);
    assert.equal(meter.lates, 2);
    assert.equal(meter.drops, 4);
  });

  it('WebRTC inbound: a lost packet is a frame dropped, so is one that cannot be decoded; a late one is late', () => {
    const enc = new OpusEncoder();
    const dec = new OpusDecoder();
    const meter: FrameMeter & { lates: number; drops: number } = recorder();
    let now = 0;
    const inbound = new InboundAudio({ decoder: dec, onAudio: () => undefined, meter, now: () => now });
    const rtp = (k: number, payload?: Uint8Array) => ({ ssrc: 1, timestamp: 1000 + k * 960, payload: payload ?? enc.encode(new Int16Array(OPUS_FRAME_SAMPLES).fill(3000)) });
    try {
      for (const k of [0, 1, 3]) {
        now = k * 20;
        inbound.receive(rtp(k));
      }
      assert.equal(meter.drops, 1, 'packet 2 was lost');
      inbound.receive(rtp(1));
      assert.equal(meter.lates, 1);
      now = 80;
      inbound.receive(rtp(4, new Uint8Array([0xff, 0xff, 0xff])));
      assert.equal(meter.drops, 2, 'and one could not be decoded');
    } finally {
      enc.close();
      dec.close();
    }
  });

  describe('outbound: how late the playout sends against its schedule', () => {
    beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
    afterEach(() => mock.timers.reset());

    it('on time while the loop keeps up; a stall longer than the lead is late: the caller heard a gap', () => {
      let now = 0;
      const meter = recorder();
      const playout = new Playout({ send: () => undefined, emit: () => undefined, meter, now: () => now }, PCM24K_FRAMES, { frameMs: 20, leadMs: 40 });
      const advance = (ms: number): void => {
        for (let i = 0; i < ms; i++) {
          now++;
          mock.timers.tick(1);
        }
      };
      playout.resume();
      playout.push('resp_1', 'item_1', new Int16Array(24000).fill(1000)); // 1 s
      advance(300);
      assert.ok(meter.latenesses.length >= 10, `${meter.latenesses.length} batches`);
      assert.ok(meter.latenesses.every((ms) => ms >= 0 && ms <= 1), `timers on time: ${meter.latenesses.join(', ')}`);
      assert.equal(meter.lates, 0);

      // The event loop stalls for 200 ms: the timer fires that late.
      const before = meter.latenesses.length;
      now += 200;
      mock.timers.tick(200);
      const stalled = meter.latenesses[before]!;
      assert.ok(stalled > 140 && stalled <= 200, `the batch after the stall left ${stalled} ms late`);
      assert.equal(meter.lates, 1, 'one frame left after its play time');
      advance(100);
      assert.ok(meter.latenesses.slice(before + 1).every((ms) => ms <= 1), 'then on time again (a new talkspurt)');
      assert.equal(meter.lates, 1);
      playout.close();
    });

    it('audio queued while sending is paused is due from when it resumes', () => {
      let now = 0;
      const meter = recorder();
      const playout = new Playout({ send: () => undefined, emit: () => undefined, meter, now: () => now }, PCM24K_FRAMES);
      playout.push('resp_1', 'item_1', new Int16Array(4800));
      now = 5000; // a phone's stream connects five seconds after the greeting was ready
      playout.resume();
      assert.deepEqual(meter.latenesses, [0]);
      assert.equal(meter.lates, 0);
      playout.close();
    });
  });

  it('the meters of a transport are Prometheus counters by direction, at zero until something happens', async () => {
    const metrics = new ParleyMetrics(new NodeCapacity(1));
    const twilio = metrics.audio.meter('twilio');
    assert.equal(metrics.audio.meter('twilio'), twilio, 'one meter per transport');
    new InboundStream(() => undefined, () => 0, twilio.inbound).frame(0, ulaw(1), 160);
    let m = parseMetrics(await metrics.text());
    assert.equal(total(m, 'parley_audio_frames_dropped_total', { transport: 'twilio', direction: 'inbound' }), 0);
    assert.equal(m.filter((s) => s.name === 'parley_audio_frames_late_total' && s.labels.transport === 'twilio').length, 2, 'both directions, at zero');
    const s = new InboundStream(() => undefined, () => 0, twilio.inbound);
    s.frame(0, ulaw(1), 160);
    s.frame(60, ulaw(2), 160);
    s.frame(20, ulaw(3), 160);
    twilio.outbound.lateness(3);
    m = parseMetrics(await metrics.text());
    assert.equal(total(m, 'parley_audio_frames_dropped_total', { transport: 'twilio', direction: 'inbound' }), 2);
    assert.equal(total(m, 'parley_audio_frames_late_total', { transport: 'twilio', direction: 'inbound' }), 1);
    assert.equal(total(m, 'parley_audio_frames_late_total', { transport: 'twilio', direction: 'outbound' }), 0);
    assert.equal(total(m, 'parley_audio_outbound_lateness_seconds_count', { transport: 'twilio' }), 1);
    assert.equal(total(m, 'parley_audio_outbound_lateness_seconds_sum', { transport: 'twilio' }), 0.003);
  });
});
