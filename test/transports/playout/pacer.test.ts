import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { OPUS_FRAME_SAMPLES, OpusDecoder, OpusEncoder } from '../../../src/audio/index.js';
import type { ServerEvent } from '../../../src/protocol/schemas/index.js';
import { InboundAudio } from '../../../src/transports/webrtc/inbound.js';
import { Pacer } from '../../../src/transports/playout/pacer.js';
import { PCM24K_FRAMES, Playout, type OutFrame } from '../../../src/transports/playout/playout.js';

describe('Pacer: frames leave at real time, a small lead ahead', () => {
  it('a talkspurt: the first frames at once (up to the lead), then one per 20 ms', () => {
    const p = new Pacer({ frameMs: 20, leadMs: 40 });
    const first = p.take(1000, 50);
    assert.deepEqual(first, { frames: 3, spurtStart: true }, 'frames playing at 1000, 1020, 1040 may go: 40 ms lead');
    assert.equal(p.take(1000, 47).frames, 0, 'nothing more until time passes');
    assert.equal(p.nextDueAt(1000), 1020, 'frame 3 plays at 1060, may go at 1020');
    assert.deepEqual(p.take(1020, 47), { frames: 1, spurtStart: false });
    assert.equal(p.take(1039.9, 46).frames, 0);
    assert.equal(p.take(1040, 46).frames, 1);
    // One second later, 50 frames have played or are due within the lead: never more than that.
    let sent = 5;
    for (let t = 1060; t <= 2000; t += 7) sent += p.take(t, 100).frames;
    assert.equal(sent, 52, 'at 1998 ms: the frames whose play time is ≤ now + lead (≤ 2038)');
    assert.equal(p.playedOutAt(), 1000 + 52 * 20);
  });

  it('never sends more than is queued, and a short queue does not break the schedule', () => {
    const p = new Pacer({ frameMs: 20, leadMs: 40 });
    assert.equal(p.take(0, 1).frames, 1);
    assert.equal(p.take(5, 1).frames, 1, 'frame 1 plays at 20, within the lead');
    assert.equal(p.take(10, 1).frames, 1, 'frame 2 plays at 40');
    assert.equal(p.take(10, 1).frames, 0, 'frame 3 plays at 60: not yet');
    assert.equal(p.take(0, 0).frames, 0);
  });

  it('after the audio has played out, new audio starts a new talkspurt (RTP marker) from now', () => {
    const p = new Pacer({ frameMs: 20, leadMs: 40 });
    p.take(0, 2);
    assert.equal(p.playedOutAt(), 40);
    assert.equal(p.playing(39), true);
    assert.equal(p.playing(40), false);
    assert.deepEqual(p.take(500, 10), { frames: 3, spurtStart: true });
    assert.equal(p.talkspurts, 2);
    assert.equal(p.playedOutAt(), 560);
  });

  it('a stalled event loop costs a gap, never a burst: the audio after it starts a new talkspurt', () => {
    const p = new Pacer({ frameMs: 20, leadMs: 40 });
    p.take(0, 1000);
    // Nothing for one second (the loop was blocked): the caller ran out of audio at 60 ms.
    assert.deepEqual(p.take(1000, 1000), { frames: 3, spurtStart: true }, 'the lead again, not 50 frames at once');
    assert.equal(p.take(1000, 1000).frames, 0);
    assert.equal(p.take(1020, 1000).frames, 1, 'then one per frame time');
    assert.equal(p.talkspurts, 2);
  });

  it('reset (barge-in) forgets the talkspurt: the next audio starts at once', () => {
    const p = new Pacer({ frameMs: 20, leadMs: 40 });
    p.take(0, 100);
    p.take(200, 100);
    assert.equal(p.playing(200), true);
    p.reset();
    assert.equal(p.playing(200), false);
    assert.deepEqual(p.take(200, 5), { frames: 3, spurtStart: true });
  });
});

/** A playout on a fake clock: `advance` moves the clock and fires the timers due. */
function rig() {
  let now = 0;
  const sent: Array<{ frame: OutFrame; spurtStart: boolean; at: number }> = [];
  const events: Array<{ event: ServerEvent; at: number }> = [];
  const playout = new Playout({ send: (frame, spurtStart) => sent.push({ frame, spurtStart, at: now }), emit: (event) => events.push({ event, at: now }), now: () => now }, PCM24K_FRAMES);
  const advance = (ms: number): void => {
    for (let i = 0; i < ms; i++) {
      now++;
      mock.timers.tick(1);
    }
  };
  const types = (): string[] => events.map((e) => `${e.event.type}:${(e.event as { response_id?: string }).response_id}`);
  return { playout, sent, events, advance, types, at: () => now };
}

const ms = (n: number): Int16Array => new Int16Array((n * 24000) / 1000).fill(1000);

describe('Playout: the server-owned playout buffer', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('sends a response at real time, says started with its first frame and stopped once it has played', () => {
    const r = rig();
    r.playout.resume();
    r.playout.push('resp_1', 'item_1', ms(1000));
    r.playout.push('resp_1', 'item_1', ms(10));
    r.playout.itemDone('item_1');
    r.playout.responseDone('resp_1');
    assert.equal(r.sent.length, 3, 'the lead: 3 frames at once');
    assert.deepEqual(r.types(), ['output_audio_buffer.started:resp_1']);
    r.advance(500);
    assert.equal(r.sent.length, 28, '500 ms later: 25 more');
    assert.equal(r.playout.sentMs('item_1'), 560);
    r.advance(500);
    assert.equal(r.sent.length, 51, 'all 1010 ms: 50 whole frames and the padded last one');
    const last = r.sent[50]!.frame;
    assert.equal(last.samples, 240, 'the last frame carries 10 ms of audio');
    assert.deepEqual([...last.audio.subarray(240)], new Array(240).fill(0), 'padded with silence');
    assert.equal(r.playout.sentMs('item_1'), 1010);
    assert.deepEqual(r.types(), ['output_audio_buffer.started:resp_1'], 'not stopped before it has played');
    r.advance(60);
    assert.deepEqual(r.types(), ['output_audio_buffer.started:resp_1', 'output_audio_buffer.stopped:resp_1']);
    const stopped = r.events[1]!.at;
    assert.ok(stopped >= 1020 && stopped <= 1021, `stopped when the last frame has played (1020 ms), at ${stopped}`);
    assert.equal(r.sent[0]!.spurtStart, true);
    assert.equal(r.sent.filter((s) => s.spurtStart).length, 1, 'one talkspurt');
    assert.equal(r.playout.active(), false);
  });

  it('frames wait until the media path is up (resume)', () => {
    const r = rig();
    r.playout.push('resp_1', 'item_1', ms(200));
    r.advance(100);
    assert.equal(r.sent.length, 0);
    r.playout.resume();
    assert.equal(r.sent.length, 3);
  });

  it('barge-in: clear drops the queue, reports the ms of the playing item sent, and mutes its late audio', () => {
    const r = rig();
    r.playout.resume();
    r.playout.push('resp_1', 'item_1', ms(3000));
    r.advance(1000);
    const sentMs = r.playout.sentMs('item_1');
    assert.equal(sentMs, 1060, 'one second played plus the 60 ms lead');
    const cut = r.playout.clear();
    assert.deepEqual(cut, { responseId: 'resp_1', items: [{ itemId: 'item_1', audioEndMs: 1060 }] });
    assert.deepEqual(r.types(), ['output_audio_buffer.started:resp_1', 'output_audio_buffer.cleared:resp_1']);
    const count = r.sent.length;
    r.playout.push('resp_1', 'item_1', ms(500));
    r.advance(200);
    assert.equal(r.sent.length, count, 'the cut response\'s later deltas are dropped');
    r.playout.responseDone('resp_1');
    r.advance(100);
    assert.ok(!r.types().includes('output_audio_buffer.stopped:resp_1'), 'a cleared response is not also stopped');
    // The next response plays normally.
    r.playout.push('resp_2', 'item_2', ms(100));
    r.playout.itemDone('item_2');
    r.playout.responseDone('resp_2');
    r.advance(200);
    assert.deepEqual(r.types().slice(2), ['output_audio_buffer.started:resp_2', 'output_audio_buffer.stopped:resp_2']);
    assert.equal(r.sent[count]!.spurtStart, true);
  });

  it('clear with nothing queued or playing does nothing; items queued behind the playing one are cut at 0 ms', () => {
    const r = rig();
    r.playout.resume();
    assert.equal(r.playout.clear(), null);
    r.playout.push('resp_1', 'item_a', ms(100));
    r.playout.itemDone('item_a');
    r.playout.push('resp_1', 'item_b', ms(100));
    r.advance(20);
    const cut = r.playout.clear();
    assert.deepEqual(cut?.items, [
      { itemId: 'item_a', audioEndMs: 80 },
      { itemId: 'item_b', audioEndMs: 0 },
    ]);
    r.advance(200);
    assert.equal(r.playout.clear(), null, 'everything played out or dropped');
  });

  it('stopped for a response waits for its own audio, not for the next response that follows it', () => {
    const r = rig();
    r.playout.resume();
    r.playout.push('resp_1', 'item_1', ms(100));
    r.playout.itemDone('item_1');
    r.playout.responseDone('resp_1');
    r.playout.push('resp_2', 'item_2', ms(1000));
    r.advance(150);
    // resp_2's first frame goes out (started) within the lead, before resp_1 has finished playing.
    assert.deepEqual(r.types(), ['output_audio_buffer.started:resp_1', 'output_audio_buffer.started:resp_2', 'output_audio_buffer.stopped:resp_1']);
    assert.ok(r.events[2]!.at >= 100 && r.events[2]!.at <= 101, `resp_1 stopped when its 100 ms had played, at ${r.events[2]!.at}`);
  });

  it('drain resolves when the audio has played (a goodbye is heard out)', async () => {
    const r = rig();
    r.playout.resume();
    r.playout.push('resp_1', 'item_1', ms(200));
    r.playout.itemDone('item_1');
    let drained = false;
    void r.playout.drain(5000).then(() => (drained = true));
    r.advance(150);
    await Promise.resolve();
    assert.equal(drained, false);
    r.advance(60);
    await Promise.resolve();
    assert.equal(drained, true);
    r.playout.close();
  });
});

describe('InboundAudio: the caller\'s RTP becomes continuous PCM', () => {
  const rtp = (enc: OpusEncoder, ts: number, ssrc = 1) => ({ ssrc, timestamp: ts >>> 0, payload: enc.encode(new Int16Array(OPUS_FRAME_SAMPLES).fill(3000)) });

  it('batches 20 ms packets into ~40 ms appends and fills a lost packet with 20 ms of silence', () => {
    const enc = new OpusEncoder();
    const dec = new OpusDecoder();
    let now = 0;
    const out: Int16Array[] = [];
    const inbound = new InboundAudio({ decoder: dec, onAudio: (pcm) => out.push(pcm), now: () => now });
    try {
      for (const k of [0, 1, 2, 4, 5]) {
        now = k * 20;
        inbound.receive(rtp(enc, 1000 + k * 960));
      }
      inbound.flush();
      assert.deepEqual(out.map((p) => p.length), [960, 960, 960], 'six frames of time (one lost) in three 40 ms batches');
      assert.equal(inbound.stats.filledSamples, 480);
      assert.ok(out[1]!.subarray(480).every((x) => x === 0), 'the lost frame is silence');
    } finally {
      enc.close();
      dec.close();
    }
  });

  it('drops late and duplicate packets; a new SSRC starts fresh; timestamps wrap; a bogus jump cannot conjure minutes', () => {
    const enc = new OpusEncoder();
    const dec = new OpusDecoder();
    let now = 0;
    let total = 0;
    const inbound = new InboundAudio({ decoder: dec, onAudio: (pcm) => (total += pcm.length), now: () => now });
    try {
      inbound.receive(rtp(enc, 2 ** 32 - 960));
      now = 20;
      inbound.receive(rtp(enc, 0)); // wrapped: the next frame
      inbound.receive(rtp(enc, 0)); // duplicate
      inbound.receive(rtp(enc, 2 ** 32 - 960)); // late
      assert.equal(inbound.stats.late, 2);
      assert.equal(inbound.stats.filledSamples, 0);
      now = 40;
      inbound.receive(rtp(enc, 123456, 2)); // new source
      assert.equal(inbound.stats.filledSamples, 0);
      now = 60;
      inbound.receive(rtp(enc, 123456 + 960 + 48000 * 600)); // claims a 10-minute gap 20 ms later
      assert.ok(inbound.stats.filledSamples <= 960, `filled ${inbound.stats.filledSamples} samples, bounded by the 20 ms that passed (+ one frame)`);
      inbound.receive({ ssrc: 2, timestamp: 2 ** 31, payload: Buffer.from([0x03, 0x00]) }); // not Opus
      assert.equal(inbound.stats.undecodable, 1);
      inbound.flush();
      assert.ok(total > 0);
    } finally {
      enc.close();
      dec.close();
    }
  });
});
