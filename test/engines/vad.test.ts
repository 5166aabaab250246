import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VadEvent, VadSettings } from '../../src/engines/local/providers.js';
import { EnergyVad, energyVadLevels } from '../../src/engines/local/vad/index.js';
import {
  AudioFactory,
  RATE,
  concat,
  dbfs,
  feed,
  gain,
  hum,
  missingTools,
  mix,
  rumble,
  speechSpan,
  whiteNoise,
  type SpeechSpan,
  type TimedEvent,
} from '../helpers/speech-audio.js';

const PADDING_MS = 300;
const SILENCE_MS = 500;
/** How far reported times may be from the ones measured on the clean signal. */
const TOLERANCE_MS = 150;

function settings(overrides: Partial<VadSettings> = {}): VadSettings {
  return { threshold: 0.5, prefixPaddingMs: PADDING_MS, silenceDurationMs: SILENCE_MS, ...overrides };
}

function events(timed: readonly TimedEvent[]): VadEvent[] {
  return timed.map(({ event }) => event);
}

/** Asserts `timed[at]`, `timed[at + 1]` are one turn around `span`, and returns the reported times. */
function assertTurn(timed: readonly TimedEvent[], at: number, span: SpeechSpan, silenceMs = SILENCE_MS): { startMs: number; endMs: number } {
  const started = timed[at];
  const stopped = timed[at + 1];
  assert.equal(started?.event.type, 'speech_started', `event ${at} is speech_started: ${JSON.stringify(timed)}`);
  assert.equal(stopped?.event.type, 'speech_stopped', `event ${at + 1} is speech_stopped: ${JSON.stringify(timed)}`);
  const startMs = started.event.type === 'speech_started' ? started.event.audioStartMs : NaN;
  const endMs = stopped.event.type === 'speech_stopped' ? stopped.event.audioEndMs : NaN;
  const expectedStart = Math.max(0, span.startMs - PADDING_MS);
  const expectedEnd = span.endMs + silenceMs;
  assert.ok(Math.abs(startMs - expectedStart) <= TOLERANCE_MS, `audio_start_ms ${startMs}, expected ${expectedStart} ± ${TOLERANCE_MS}`);
  assert.ok(Math.abs(endMs - expectedEnd) <= TOLERANCE_MS, `audio_end_ms ${endMs}, expected ${expectedEnd} ± ${TOLERANCE_MS}`);
  // speech_started is seen shortly after the onset (70 ms of speech frames, plus chunking).
  assert.ok(started.seenAtMs >= span.startMs && started.seenAtMs <= span.startMs + 200, `speech_started seen at ${started.seenAtMs} ms, onset ${span.startMs} ms`);
  // speech_stopped is seen when it is decided: audio_end_ms is (up to one chunk) the clock then.
  assert.ok(stopped.seenAtMs >= endMs && stopped.seenAtMs - endMs < 20, `speech_stopped seen at ${stopped.seenAtMs} ms for audio_end_ms ${endMs}`);
  return { startMs, endMs };
}

/**
 * A synthetic burst from `onMs` to `offMs` in silence: the turn starts exactly at its onset and
 * ends after the silence window, plus at most 20 ms (one analysis window) of filter ring-out.
 */
function assertBurstTurn(got: readonly VadEvent[], onMs: number, offMs: number): void {
  assert.equal(got.length, 2, JSON.stringify(got));
  assert.deepEqual(got[0], { type: 'speech_started', audioStartMs: Math.max(0, onMs - PADDING_MS) });
  const stopped = got[1]!;
  assert.ok(stopped.type === 'speech_stopped' && stopped.audioEndMs >= offMs + SILENCE_MS && stopped.audioEndMs <= offMs + SILENCE_MS + 20, JSON.stringify(stopped));
}

function offsetSpan(span: SpeechSpan, byMs: number): SpeechSpan {
  return { ...span, startMs: span.startMs + byMs, endMs: span.endMs + byMs };
}

const skip = missingTools();

describe('EnergyVad on synthesised speech', { skip }, () => {
  let audio: AudioFactory;
  /** One utterance: 0.5 s silence, speech, 1.2 s silence. */
  let clip: Int16Array;
  let span: SpeechSpan;
  /** Two utterances 1 s apart, then 2 s of silence. */
  let pair: Int16Array;
  let firstSpan: SpeechSpan;
  let secondSpan: SpeechSpan;

  before(() => {
    audio = new AudioFactory();
    clip = audio.speech('Please turn off the lights in the kitchen.', 0.5, 1.2);
    span = speechSpan(clip);
    const first = audio.speech('Please turn off the lights in the kitchen.', 0.5, 1.0);
    const second = audio.speech('What time is it in Tokyo?', 0, 2.0, RATE, 'en-us+f3');
    pair = concat(first, second);
    firstSpan = speechSpan(first);
    secondSpan = offsetSpan(speechSpan(second), (first.length * 1000) / RATE);
  });
  after(() => audio.dispose());

  test('the synthesised clip has speech where it was put', () => {
    // sox trimmed espeak's silence at −60 dBFS and padded 0.5 s / 1.2 s; the 40 dB span sits inside.
    assert.ok(span.startMs >= 500 && span.startMs <= 530, `speech starts at ${span.startMs} ms`);
    const clipMs = (clip.length * 1000) / RATE;
    assert.ok(span.endMs <= clipMs - 1200 + 10 && span.endMs >= clipMs - 1200 - 100, `speech ends at ${span.endMs} of ${clipMs} ms`);
    assert.ok(span.endMs - span.startMs > 1500, `speech lasts ${span.endMs - span.startMs} ms`);
    assert.ok(dbfs(span.rms) > -30 && dbfs(span.rms) < -10, `speech level ${dbfs(span.rms).toFixed(1)} dBFS`);
  });

  test('(1) one utterance in silence: one turn, start and end where the speech is', () => {
    const vad = new EnergyVad(RATE, settings());
    const timed = feed(vad, clip);
    assert.equal(timed.length, 2, JSON.stringify(timed));
    assertTurn(timed, 0, span);
    assert.equal(vad.clockMs, (clip.length * 1000) / RATE);
    assert.equal(vad.speaking, false);
  });

  describe('(2) steady noise at 20 dB SNR', () => {
    const noises = {
      'white noise': whiteNoise,
      '100 Hz hum': (n: number) => hum(n, 100),
      'low-frequency rumble (brown noise)': (n: number) => rumble(n),
    };
    for (const [name, make] of Object.entries(noises)) {
      test(`${name}: one turn, and 3 s of the noise alone give no events`, () => {
        const noiseRms = span.rms / 10; // 20 dB below the speech
        const noisy = mix(clip, make(clip.length), noiseRms);
        const vad = new EnergyVad(RATE, settings());
        const timed = feed(vad, noisy);
        assert.equal(timed.length, 2, JSON.stringify(timed));
        assertTurn(timed, 0, span);

        const alone = mix(new Int16Array(3 * RATE), make(3 * RATE), noiseRms);
        const quiet = new EnergyVad(RATE, settings());
        assert.deepEqual(feed(quiet, alone), []);
        // The floor settled on the noise (what of it passes the band-pass), not on silence.
        const floor = quiet.noiseFloorDbfs;
        assert.ok(floor <= dbfs(noiseRms) && floor > dbfs(noiseRms) - 25, `floor ${floor.toFixed(1)} dBFS, noise ${dbfs(noiseRms).toFixed(1)} dBFS`);
      });
    }

    test('hum as loud as the speech (0 dB SNR) still gives one turn', () => {
      const noisy = mix(clip, hum(clip.length, 100), span.rms);
      const timed = feed(new EnergyVad(RATE, settings()), noisy);
      assert.equal(timed.length, 2, JSON.stringify(timed));
      assertTurn(timed, 0, span);
    });

    test('noise switched on mid-stream costs one spurious turn of about floor window + silence', () => {
      const noiseRms = span.rms / 10;
      const stream = concat(new Int16Array(2 * RATE), mix(new Int16Array(8 * RATE), whiteNoise(8 * RATE), noiseRms));
      const timed = feed(new EnergyVad(RATE, settings()), stream);
      assert.equal(timed.length, 2, JSON.stringify(timed));
      const [started, stopped] = events(timed) as [VadEvent, VadEvent];
      assert.deepEqual(started, { type: 'speech_started', audioStartMs: 2000 - PADDING_MS });
      assert.equal(stopped.type, 'speech_stopped');
      // The 2 s minimum window must forget the silence (2.0–2.25 s) before the turn can end.
      assert.ok(stopped.audioEndMs >= 2000 + 2000 + SILENCE_MS && stopped.audioEndMs <= 2000 + 2250 + SILENCE_MS + 20, `ended at ${stopped.audioEndMs} ms`);
    });
  });

  describe('(3) two utterances 1 s apart', () => {
    test('silence_duration_ms 500: two turns', () => {
      const timed = feed(new EnergyVad(RATE, settings()), pair);
      assert.equal(timed.length, 4, JSON.stringify(timed));
      assertTurn(timed, 0, firstSpan);
      assertTurn(timed, 2, secondSpan);
      // The gap really is about 1 s of silence.
      assert.ok(Math.abs(secondSpan.startMs - firstSpan.endMs - 1000) <= 30, `gap ${secondSpan.startMs - firstSpan.endMs} ms`);
    });

    test('silence_duration_ms 1500: one turn spanning both', () => {
      const timed = feed(new EnergyVad(RATE, settings({ silenceDurationMs: 1500 })), pair);
      assert.equal(timed.length, 2, JSON.stringify(timed));
      assertTurn(timed, 0, { ...firstSpan, endMs: secondSpan.endMs }, 1500);
    });
  });

  test('(4) events do not depend on chunk sizes', () => {
    const noisy = mix(pair, whiteNoise(pair.length), firstSpan.rms / 10);
    for (const signal of [noisy, pair, clip]) {
      const run = (chunks: readonly number[]) => {
        const vad = new EnergyVad(RATE, settings());
        const timed = feed(vad, signal, chunks);
        assert.equal(vad.clockMs, (signal.length * 1000) / RATE);
        return events(timed);
      };
      const reference = run([320]); // 20 ms
      assert.ok(reference.length >= 2, JSON.stringify(reference));
      assert.deepEqual(run([112]), reference); // 7 ms
      assert.deepEqual(run([signal.length]), reference); // one chunk
      assert.deepEqual(run([1, 159, 1001, 7, 4096, 33]), reference); // ragged
    }
  });

  test('(5) a 30 ms click does not start speech; 150 ms of the same sound does', () => {
    const burst = (ms: number) => {
      const noise = whiteNoise((ms * RATE) / 1000, 77);
      return Int16Array.from(noise, (x) => Math.max(-32768, Math.min(32767, Math.round(x * 8000)))); // −12 dBFS
    };
    const room = (signal: Int16Array) => mix(signal, whiteNoise(signal.length, 5), 10); // −70 dBFS room noise
    const silence = new Int16Array(RATE);
    assert.deepEqual(feed(new EnergyVad(RATE, settings()), room(concat(silence, burst(30), silence, silence))), []);
    // Also on top of speech-level background noise, and several clicks 200 ms apart.
    const gap = new Int16Array(RATE / 5);
    const clicks = concat(silence, burst(30), gap, burst(30), gap, burst(30), silence);
    assert.deepEqual(feed(new EnergyVad(RATE, settings()), mix(clicks, whiteNoise(clicks.length), 300)), []);

    const timed = events(feed(new EnergyVad(RATE, settings()), room(concat(silence, burst(150), silence))));
    assertBurstTurn(timed, 1000, 1150);
  });

  test('(6) threshold: a −30 dBFS utterance is heard at 0.3 but not at 0.95', () => {
    const quiet = gain(clip, -30 - dbfs(span.rms));
    assert.ok(Math.abs(dbfs(speechSpan(quiet).rms) + 30) < 0.1, `level ${dbfs(speechSpan(quiet).rms)} dBFS`);
    const low = feed(new EnergyVad(RATE, settings({ threshold: 0.3 })), quiet);
    assert.equal(low.length, 2, JSON.stringify(low));
    assertTurn(low, 0, span);
    assert.deepEqual(feed(new EnergyVad(RATE, settings({ threshold: 0.95 })), quiet), []);
    // The same utterance at a normal level (−20 dBFS) does get through at 0.95.
    const loud = gain(clip, -20 - dbfs(span.rms));
    assert.equal(feed(new EnergyVad(RATE, settings({ threshold: 0.95 })), loud).length, 2);
  });

  test('(6) detection only ever gets harder as the threshold rises', () => {
    // For each threshold, the quietest level (in 5 dB steps) at which the utterance is one turn.
    const quietestHeard = (threshold: number) => {
      for (let level = -60; level <= -10; level += 5) {
        const timed = feed(new EnergyVad(RATE, settings({ threshold })), gain(clip, level - dbfs(span.rms)));
        if (timed.length === 2) return level;
      }
      return Infinity;
    };
    const quietest = [0, 0.3, 0.5, 0.7, 0.9, 1].map(quietestHeard);
    for (let k = 1; k < quietest.length; k++) assert.ok(quietest[k]! >= quietest[k - 1]!, `quietest levels ${quietest.join(', ')}`);
    assert.ok(quietest[2]! <= -45, `at 0.5, speech down to ${quietest[2]} dBFS`);
    assert.ok(quietest[5]! >= -20 && quietest[5]! < Infinity, `at 1, speech from ${quietest[5]} dBFS`);
  });

  describe('(7) configure() applies live', () => {
    test('a shorter silence set during the pause ends the turn at once', () => {
      const vad = new EnergyVad(RATE, settings({ silenceDurationMs: 3000 }));
      const toPause = Math.round(((span.endMs + 600) * RATE) / 1000);
      const first = feed(vad, clip.subarray(0, toPause));
      assert.deepEqual(
        first.map(({ event }) => event.type),
        ['speech_started'],
      );
      vad.configure(settings({ silenceDurationMs: 500 }));
      const rest = feed(vad, clip.subarray(toPause));
      assert.equal(rest.length, 1, JSON.stringify(rest));
      const stopped = rest[0]!.event;
      assert.equal(stopped.type, 'speech_stopped');
      // 600 ms of silence had already passed: the turn ends with the next frame.
      assert.ok(stopped.type === 'speech_stopped' && stopped.audioEndMs > span.endMs + 500 && stopped.audioEndMs <= span.endMs + 600 + 10, JSON.stringify(stopped));
      assert.ok(stopped.type === 'speech_stopped' && stopped.audioEndMs - (toPause * 1000) / RATE <= 10, JSON.stringify(stopped));
    });

    test('a longer silence set during the first utterance merges the two turns', () => {
      const vad = new EnergyVad(RATE, settings());
      const midFirst = Math.round(((firstSpan.startMs + 500) * RATE) / 1000);
      const head = feed(vad, pair.subarray(0, midFirst));
      assert.equal(head.length, 1);
      vad.configure(settings({ silenceDurationMs: 1500 }));
      const tail = feed(vad, pair.subarray(midFirst));
      assert.equal(tail.length, 1, JSON.stringify(tail));
      assertTurn([...head, ...tail], 0, { ...firstSpan, endMs: secondSpan.endMs }, 1500);
    });

    test('prefix padding and threshold change too', () => {
      const vad = new EnergyVad(RATE, settings({ threshold: 0.95 }));
      const quiet = gain(clip, -30 - dbfs(span.rms));
      assert.deepEqual(feed(vad, quiet), []);
      vad.configure(settings({ threshold: 0.5, prefixPaddingMs: 100 }));
      const timed = feed(vad, quiet);
      const offset = (quiet.length * 1000) / RATE;
      assert.equal(timed.length, 2, JSON.stringify(timed));
      const started = timed[0]!.event;
      assert.ok(started.type === 'speech_started' && Math.abs(started.audioStartMs - (offset + span.startMs - 100)) <= TOLERANCE_MS, JSON.stringify(started));
    });
  });

  test('reset() drops the open turn but keeps the clock and the noise floor', () => {
    const noisy = mix(clip, whiteNoise(clip.length), span.rms / 10);
    const vad = new EnergyVad(RATE, settings());
    const mid = Math.round(((span.startMs + 800) * RATE) / 1000);
    assert.equal(feed(vad, noisy.subarray(0, mid)).length, 1);
    const floor = vad.noiseFloorDbfs;
    vad.reset();
    assert.equal(vad.speaking, false);
    assert.equal(vad.clockMs, (mid * 1000) / RATE);
    assert.equal(vad.noiseFloorDbfs, floor);
    // Speech still going on opens a new turn within ~100 ms, which then ends normally.
    const rest = feed(vad, noisy.subarray(mid));
    assert.equal(rest.length, 2, JSON.stringify(rest));
    const started = rest[0]!.event;
    assert.ok(started.type === 'speech_started' && started.audioStartMs >= (mid * 1000) / RATE - PADDING_MS && started.audioStartMs <= (mid * 1000) / RATE - PADDING_MS + 200, JSON.stringify(started));
  });

  test('works at 8 kHz and 24 kHz with times on the same clock', () => {
    for (const rate of [8000, 24000]) {
      const resampled = audio.speech('Please turn off the lights in the kitchen.', 0.5, 1.2, rate);
      const rateSpan = speechSpan(resampled, rate);
      const vad = new EnergyVad(rate, settings());
      const timed = feed(vad, resampled, [rate / 50]);
      assert.equal(timed.length, 2, `${rate} Hz: ${JSON.stringify(timed)}`);
      assertTurn(timed, 0, rateSpan);
      assert.equal(vad.clockMs, (resampled.length * 1000) / rate);
    }
  });
});

describe('energyVadLevels (threshold mapping)', () => {
  test('documented points and monotonic in between', () => {
    assert.deepEqual(energyVadLevels(0), { marginDb: 4, minLevelDbfs: -70 });
    assert.deepEqual(energyVadLevels(0.5), { marginDb: 10, minLevelDbfs: -50 });
    assert.deepEqual(energyVadLevels(1), { marginDb: 30, minLevelDbfs: -15 });
    let previous = energyVadLevels(0);
    for (let t = 0.01; t <= 1.0001; t += 0.01) {
      const current = energyVadLevels(t);
      assert.ok(current.marginDb > previous.marginDb && current.minLevelDbfs > previous.minLevelDbfs, `at ${t}`);
      previous = current;
    }
  });

  test('clamps out-of-range thresholds', () => {
    assert.deepEqual(energyVadLevels(-1), energyVadLevels(0));
    assert.deepEqual(energyVadLevels(7), energyVadLevels(1));
    assert.deepEqual(energyVadLevels(Number.NaN), energyVadLevels(0.5));
  });
});

describe('EnergyVad without audio tools', () => {
  test('digital silence and −70 dBFS noise never trigger, even at threshold 0', () => {
    const vad = new EnergyVad(RATE, settings({ threshold: 0 }));
    assert.deepEqual(vad.process(new Int16Array(5 * RATE)), []);
    assert.deepEqual(feed(vad, mix(new Int16Array(5 * RATE), whiteNoise(5 * RATE), 10)), []);
    assert.equal(vad.clockMs, 10_000);
  });

  test('a loud tone burst is one turn with frame-exact times', () => {
    const tone = Int16Array.from({ length: RATE / 2 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / RATE)));
    const stream = concat(new Int16Array(RATE), tone, new Int16Array(RATE));
    assertBurstTurn(events(feed(new EnergyVad(RATE, settings()), stream)), 1000, 1500);
    // Onset padding never goes below 0: speech from 100 ms with 300 ms padding starts at 0.
    const early = events(feed(new EnergyVad(RATE, settings()), concat(new Int16Array(RATE / 10), tone, new Int16Array(RATE))));
    assertBurstTurn(early, 100, 600);
    assert.deepEqual(early[0], { type: 'speech_started', audioStartMs: 0 });
  });

  test('a steady sound present from the first sample is taken for background', () => {
    // Nothing quieter has been heard yet, so the floor starts at the tone's level.
    const tone = Int16Array.from({ length: 3 * RATE }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / RATE)));
    const vad = new EnergyVad(RATE, settings());
    assert.deepEqual(feed(vad, tone), []);
    assert.ok(Math.abs(vad.noiseFloorDbfs - dbfs(10000 / Math.SQRT2)) < 1, `floor ${vad.noiseFloorDbfs} dBFS`);
  });

  test('rejects invalid construction', () => {
    assert.throws(() => new EnergyVad(0), RangeError);
    assert.throws(() => new EnergyVad(RATE, settings(), { onsetFrames: 11, onsetWindowFrames: 10 }), RangeError);
  });
});
