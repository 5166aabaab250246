import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rmsDbfs, writeWav } from '../../src/audio/index.js';
import type { SpeechChunk } from '../../src/engines/local/providers.js';
import {
  ESPEAK_VOICES,
  EspeakSynthesizer,
  OPENAI_VOICE_NAMES,
  TtsError,
  espeakSafe,
  resolveVoice,
  splitText,
  wordsPerMinute,
  type EspeakSynthesizerOptions,
} from '../../src/engines/local/tts/index.js';
import { WavStreamParser } from '../../src/engines/local/tts/wav-stream.js';

const RATE = 22050;
const CHUNK = 2205;
const espeakMissing =
  spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0
    ? false
    : 'espeak-ng is not installed; install it with: sudo apt-get install espeak-ng';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const LONG_SENTENCE = Array.from({ length: 40 }, (_, i) => `item number ${i + 1} is on the list`).join(' and ') + '.';
const FEMALE = new Set(['alloy', 'coral', 'sage', 'shimmer', 'marin']);
const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

function signal(): AbortSignal {
  return new AbortController().signal;
}

async function collect(
  text: string,
  opts: { voice?: string; speed?: number; signal?: AbortSignal } = {},
  options: EspeakSynthesizerOptions = {},
): Promise<SpeechChunk[]> {
  const tts = new EspeakSynthesizer(options);
  try {
    const chunks: SpeechChunk[] = [];
    for await (const chunk of tts.synthesize(text, { voice: opts.voice ?? 'alloy', speed: opts.speed ?? 1, signal: opts.signal ?? signal() })) {
      chunks.push(chunk);
    }
    return chunks;
  } finally {
    await tts.close();
  }
}

function joinSamples(chunks: SpeechChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.samples.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.samples, at);
    at += c.samples.length;
  }
  return out;
}

/** Median F0 of the voiced frames, by autocorrelation (60–400 Hz). */
function medianPitch(samples: Int16Array, rate: number): number {
  const frame = 1024;
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 60);
  const f0s: number[] = [];
  for (let start = 0; start + frame + maxLag <= samples.length; start += 512) {
    let energy = 0;
    let mean = 0;
    for (let i = 0; i < frame; i++) mean += samples[start + i]!;
    mean /= frame;
    for (let i = 0; i < frame; i++) energy += (samples[start + i]! - mean) ** 2;
    if (Math.sqrt(energy / frame) < 1000) continue; // not voiced speech
    let bestLag = 0;
    let best = -Infinity;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let sum = 0;
      for (let i = 0; i < frame - lag; i++) sum += (samples[start + i]! - mean) * (samples[start + i + lag]! - mean);
      if (sum > best) {
        best = sum;
        bestLag = lag;
      }
    }
    if (best > 0.4 * energy) f0s.push(rate / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)] ?? 0;
}

/** Resolves with the ms until `child` exits (0 if it already has); rejects after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(0);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`espeak-ng pid ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
  });
}

// ---------- no espeak-ng needed ----------

test('the voice table maps all 10 OpenAI voices to distinct espeak-ng voice + pitch pairs', () => {
  assert.deepEqual(Object.keys(ESPEAK_VOICES).sort(), [...OPENAI_VOICE_NAMES].sort());
  assert.equal(OPENAI_VOICE_NAMES.length, 10);
  const combos = new Set(Object.values(ESPEAK_VOICES).map((v) => `${v.voice} -p ${v.pitch}`));
  assert.equal(combos.size, 10);
  for (const v of Object.values(ESPEAK_VOICES)) {
    assert.match(v.voice, /^en[a-z-]*\+[a-z0-9]+$/);
    assert.ok(v.pitch >= 0 && v.pitch <= 99);
  }
});

test('unknown voice names fall back to alloy; names are case-insensitive; espeak: picks a voice directly', () => {
  assert.deepEqual(resolveVoice('nobody'), ESPEAK_VOICES.alloy);
  assert.deepEqual(resolveVoice(''), ESPEAK_VOICES.alloy);
  assert.deepEqual(resolveVoice('toString'), ESPEAK_VOICES.alloy);
  assert.deepEqual(resolveVoice(' Echo '), ESPEAK_VOICES.echo);
  assert.deepEqual(resolveVoice('espeak:en-gb-scotland+m4'), { voice: 'en-gb-scotland+m4', pitch: 50 });
  // Never an option, never MBROLA.
  assert.deepEqual(resolveVoice('espeak:-w/tmp/x'), ESPEAK_VOICES.alloy);
  assert.deepEqual(resolveVoice('espeak:mb-us1'), ESPEAK_VOICES.alloy);
});

test('speed maps to words per minute: speed × 175, clamped to espeak-ng’s 80..450', () => {
  assert.equal(wordsPerMinute(1), 175);
  assert.equal(wordsPerMinute(1.5), 263);
  assert.equal(wordsPerMinute(0.75), 131);
  assert.equal(wordsPerMinute(0.25), 80);
  assert.equal(wordsPerMinute(0.1), 80);
  assert.equal(wordsPerMinute(4), 263); // protocol maximum is 1.5
  assert.equal(wordsPerMinute(Number.NaN), 175);
});

test('text splits into sentences that concatenate to the input; abbreviations and initials do not split', () => {
  const text = '  Hello there! Dr. Smith met J. R. Doe at 3.14 p.m. today. Really?  Yes…\n\nNew paragraph';
  const segments = splitText(text);
  assert.equal(segments.map((s) => s.text).join(''), text);
  assert.deepEqual(
    segments.map((s) => s.spoken),
    ['Hello there!', 'Dr. Smith met J. R. Doe at 3.14 p.m. today.', 'Really?', 'Yes…', 'New paragraph'],
  );
  for (const s of segments) {
    assert.equal(s.words.map((w) => w.text).join(''), s.text);
    assert.equal(s.words[0]!.at, 0);
    for (let i = 1; i < s.words.length; i++) assert.ok(s.words[i]!.at > s.words[i - 1]!.at && s.words[i]!.at < 1);
  }
  assert.deepEqual(splitText(' \n\t '), []);
});

test('long sentences are cut at clauses, then between words, within the limit', () => {
  const segments = splitText(LONG_SENTENCE, 200);
  assert.ok(segments.length > 1);
  assert.equal(segments.map((s) => s.text).join(''), LONG_SENTENCE);
  for (const s of segments) assert.ok(s.text.length <= 200, `${s.text.length} chars`);
  const clauses = splitText('one two three, four five six; seven eight nine, ten', 20);
  assert.deepEqual(clauses.map((s) => s.text), ['one two three, ', 'four five six; ', 'seven eight nine, ', 'ten']);
  const blob = 'x'.repeat(2500);
  assert.deepEqual(splitText(blob, 200).map((s) => s.text.length), [1000, 1000, 500]);
});

test('espeak-safe text: control characters become spaces and [[phoneme]] brackets are broken up', () => {
  assert.equal(espeakSafe(' a\u0000b\u0007c\nd '), 'a b c\nd');
  assert.equal(espeakSafe('[[h@l]] and [[[x]]]'), '[ [h@l] ] and [ [ [x] ] ]');
  assert.ok(!espeakSafe('[[[[').includes('[['));
});

test('the WAV stream parser gives the same samples however the stream is cut', () => {
  const samples = Int16Array.from({ length: 3001 }, (_, i) => ((i * 7919) % 65536) - 32768);
  const wav = writeWav({ sampleRate: RATE, channels: 1, samples });
  wav.writeUInt32LE(0x7ffff000, 40); // as espeak-ng streams it
  for (const step of [1, 3, 44, 45, 4096]) {
    const parser = new WavStreamParser();
    const parts: Int16Array[] = [];
    for (let i = 0; i < wav.length; i += step) parts.push(parser.push(wav.subarray(i, i + step)));
    assert.deepEqual(parser.format, { sampleRate: RATE, channels: 1 });
    assert.deepEqual(joinSamples(parts.map((s) => ({ samples: s, sampleRate: RATE, text: '' }))), samples, `step ${step}`);
  }
  assert.throws(() => new WavStreamParser().push(Buffer.from('not a wav file at all')), (e: unknown) => e instanceof TtsError && e.code === 'tts_failed');
});

test('a missing binary gives tts_unavailable with the install command', async () => {
  const tts = new EspeakSynthesizer({ binary: '/nonexistent/espeak-ng-bogus' });
  await assert.rejects(
    async () => {
      for await (const _ of tts.synthesize('Hello.', { voice: 'alloy', speed: 1, signal: signal() })) {
        assert.fail('no audio expected');
      }
    },
    (e: unknown) => e instanceof TtsError && e.code === 'tts_unavailable' && e.message.includes('sudo apt-get install espeak-ng'),
  );
  await assert.rejects(tts.check(), (e: unknown) => e instanceof TtsError && e.code === 'tts_unavailable');
  // Several segments: the failure comes once, nothing is left running.
  await assert.rejects(async () => {
    for await (const _ of tts.synthesize('One. Two. Three.', { voice: 'alloy', speed: 1, signal: signal() })) assert.fail();
  }, /sudo apt-get install espeak-ng/);
  assert.equal(tts.runningProcesses, 0);
  await tts.close();
});

test('empty text and an already aborted signal give no chunks and start no process', async () => {
  let spawned = 0;
  const onSpawn = () => spawned++;
  assert.deepEqual(await collect('', {}, { onSpawn }), []);
  assert.deepEqual(await collect('  \n ', {}, { onSpawn }), []);
  assert.deepEqual(await collect(SENTENCE, { signal: AbortSignal.abort() }, { onSpawn }), []);
  assert.equal(spawned, 0);
});

// ---------- with espeak-ng ----------

test('a sentence streams ~100 ms chunks of audible speech whose text concatenates to the input', { skip: espeakMissing }, async () => {
  const chunks = await collect(SENTENCE);
  assert.ok(chunks.length > 5);
  chunks.forEach((c, i) => {
    assert.equal(c.sampleRate, RATE);
    if (i < chunks.length - 1) assert.ok(Math.abs(c.samples.length - CHUNK) <= 220, `chunk ${i}: ${c.samples.length} samples`);
    else assert.ok(c.samples.length > 0 && c.samples.length <= CHUNK);
  });
  const seconds = joinSamples(chunks).length / RATE;
  const words = SENTENCE.split(/\s+/).length;
  assert.ok(seconds >= 0.2 * words && seconds <= 0.6 * words, `${seconds.toFixed(2)} s for ${words} words`);
  assert.ok(Math.max(...chunks.map((c) => rmsDbfs(c.samples))) > -40, 'audio is silent');
  assert.equal(chunks.map((c) => c.text).join(''), SENTENCE);
  assert.equal(chunks[0]!.text, 'The ');
});

test('several sentences: 100 ms chunks across sentence boundaries, at most two processes at once', { skip: espeakMissing }, async () => {
  const text = 'Hi there. I can help with that!   Would you like\na table for two? Great, see you soon.';
  const children: ChildProcess[] = [];
  let running = 0;
  let maxRunning = 0;
  const chunks = await collect(text, {}, {
    onSpawn: (child) => {
      children.push(child);
      maxRunning = Math.max(maxRunning, ++running);
      child.once('exit', () => running--);
    },
  });
  assert.equal(children.length, 4);
  assert.ok(maxRunning <= 2, `${maxRunning} processes at once`);
  chunks.slice(0, -1).forEach((c, i) => assert.equal(c.samples.length, CHUNK, `chunk ${i}`));
  assert.equal(chunks.map((c) => c.text).join(''), text);
  assert.equal(normalize(chunks.map((c) => c.text).join('')), normalize(text));
  for (const child of children) await exitOf(child, 1000);
});

test('a sentence is cached once espeak-ng has finished it, not once it has been played: a second stream started meanwhile spawns nothing and hears the same', { skip: espeakMissing }, async () => {
  const closes: Promise<unknown>[] = [];
  const tts = new EspeakSynthesizer({ onSpawn: (child) => closes.push(once(child, 'close')) });
  const text = 'What day works for you?'; // shorter than the 2 s espeak-ng may write ahead of its reader
  const opts = { voice: 'alloy', speed: 1, signal: signal() };
  try {
    const first = tts.synthesize(text, opts)[Symbol.asyncIterator]();
    const head = await first.next();
    assert.equal(head.done, false);
    assert.equal(closes.length, 1);
    await closes[0]; // espeak-ng is done; the first stream has read one chunk of many
    const second: SpeechChunk[] = [];
    for await (const chunk of tts.synthesize(text, opts)) second.push(chunk);
    assert.equal(closes.length, 1, 'the second stream started no espeak-ng');
    const rest: SpeechChunk[] = [head.value as SpeechChunk];
    for (let r = await first.next(); !r.done; r = await first.next()) rest.push(r.value);
    assert.ok(rest.length > 5, `the first stream had ${rest.length} chunks`);
    assert.deepEqual(joinSamples(second), joinSamples(rest), 'the cached speech is the whole of it');
    assert.equal(second.map((c) => c.text).join(''), text);
  } finally {
    await tts.close();
  }
});

test('a stream aborted before espeak-ng has finished caches nothing: the sentence is synthesized again, whole', { skip: espeakMissing }, async () => {
  let spawned = 0;
  const tts = new EspeakSynthesizer({ onSpawn: () => spawned++ });
  try {
    const ac = new AbortController();
    const iter = tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: ac.signal })[Symbol.asyncIterator]();
    await iter.next();
    ac.abort();
    assert.equal((await iter.next()).done, true);
    const whole = await (async () => {
      const out: SpeechChunk[] = [];
      for await (const c of tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: signal() })) out.push(c);
      return out;
    })();
    assert.ok(spawned >= 2, `a killed run is not reused (${spawned} spawns)`);
    assert.equal(whole.map((c) => c.text).join(''), LONG_SENTENCE);
    assert.ok(joinSamples(whole).length / RATE > 10, 'the second reading is the whole sentence');
  } finally {
    await tts.close();
  }
});

test('aborting after the first chunk ends the stream at once and kills the process', { skip: espeakMissing }, async (t) => {
  const children: ChildProcess[] = [];
  // One long segment, so espeak-ng is still running (held back by the paused pipe) at the abort.
  const tts = new EspeakSynthesizer({ maxSegmentChars: 100_000, onSpawn: (child) => children.push(child) });
  const controller = new AbortController();
  const iterator = tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: controller.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  assert.equal(children.length, 1);
  const child = children[0]!;
  assert.equal(child.exitCode, null, 'espeak-ng should still be running before the abort');

  const t0 = performance.now();
  controller.abort();
  const next = await iterator.next();
  const stopMs = performance.now() - t0;
  assert.equal(next.done, true);
  assert.ok(stopMs < 50, `stream took ${stopMs.toFixed(1)} ms to stop`);
  await exitOf(child, 2000);
  const exitMs = performance.now() - t0;
  assert.equal(child.signalCode, 'SIGKILL');
  assert.ok(!existsSync(`/proc/${child.pid}`), 'the child is gone (reaped, no zombie)');
  assert.equal(tts.runningProcesses, 0);
  t.diagnostic(`abort: stream done after ${stopMs.toFixed(2)} ms, espeak-ng exited after ${exitMs.toFixed(2)} ms`);
  await tts.close();
});

test('aborting while a read is pending (prefetched sentence) leaves nothing running', { skip: espeakMissing }, async () => {
  const children: ChildProcess[] = [];
  const tts = new EspeakSynthesizer({ onSpawn: (child) => children.push(child) });
  const controller = new AbortController();
  const iterator = tts.synthesize('First sentence here. Second sentence here. Third one.', { voice: 'ash', speed: 1, signal: controller.signal })[Symbol.asyncIterator]();
  await iterator.next();
  const pending = iterator.next(); // may be waiting on the pipe
  controller.abort();
  await pending;
  assert.equal((await iterator.next()).done, true);
  for (const child of children) await exitOf(child, 2000);
  assert.equal(tts.runningProcesses, 0);
  await tts.close();
});

test('breaking out of the loop kills the remaining processes', { skip: espeakMissing }, async () => {
  const children: ChildProcess[] = [];
  const tts = new EspeakSynthesizer({ maxSegmentChars: 100_000, onSpawn: (child) => children.push(child) });
  for await (const _ of tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: signal() })) break;
  assert.equal(children.length, 1);
  await exitOf(children[0]!, 2000);
  assert.equal(tts.runningProcesses, 0);
  await tts.close();
});

test('close() kills a running stream, which ends quietly; later calls fail with tts_closed', { skip: espeakMissing }, async () => {
  const children: ChildProcess[] = [];
  const tts = new EspeakSynthesizer({ maxSegmentChars: 100_000, onSpawn: (child) => children.push(child) });
  const iterator = tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: signal() })[Symbol.asyncIterator]();
  await iterator.next();
  await tts.close();
  assert.ok(children.every((c) => c.exitCode !== null || c.signalCode !== null));
  assert.equal((await iterator.next()).done, true);
  await assert.rejects(async () => {
    for await (const _ of tts.synthesize('Hi.', { voice: 'alloy', speed: 1, signal: signal() })) assert.fail();
  }, (e: unknown) => e instanceof TtsError && e.code === 'tts_closed');
});

test('espeak-ng dying mid-stream rejects with tts_failed, not an unhandled error', { skip: espeakMissing }, async () => {
  const tts = new EspeakSynthesizer({ maxSegmentChars: 100_000, onSpawn: (child) => setImmediate(() => child.kill('SIGTERM')) });
  await assert.rejects(async () => {
    for await (const _ of tts.synthesize(LONG_SENTENCE, { voice: 'alloy', speed: 1, signal: signal() })) {
      // keep reading until the failure arrives
    }
  }, (e: unknown) => e instanceof TtsError && e.code === 'tts_failed' && /SIGTERM/.test(e.message));
  await tts.close();
});

test('an espeak: voice that does not exist fails with tts_failed and espeak-ng’s message', { skip: espeakMissing }, async () => {
  await assert.rejects(collect('Hello.', { voice: 'espeak:xx-nosuchvoice' }), (e: unknown) => e instanceof TtsError && e.code === 'tts_failed' && /voice/i.test(e.message));
  const scottish = await collect('Hello.', { voice: 'espeak:en-gb-scotland+m4' });
  assert.ok(scottish.length > 0);
});

test('speed 1.5 is shorter than speed 0.75', { skip: espeakMissing }, async () => {
  const fast = joinSamples(await collect(SENTENCE, { speed: 1.5 })).length;
  const slow = joinSamples(await collect(SENTENCE, { speed: 0.75 })).length;
  assert.ok(fast < slow * 0.7, `1.5×: ${fast} samples, 0.75×: ${slow} samples`);
});

test('different voices sound different: a female voice is higher than a male one', { skip: espeakMissing }, async (t) => {
  const alloy = joinSamples(await collect(SENTENCE, { voice: 'alloy' }));
  const echo = joinSamples(await collect(SENTENCE, { voice: 'echo' }));
  assert.notDeepEqual(alloy, echo);
  const alloyF0 = medianPitch(alloy, RATE);
  const echoF0 = medianPitch(echo, RATE);
  t.diagnostic(`median F0: alloy ${alloyF0.toFixed(0)} Hz, echo ${echoF0.toFixed(0)} Hz`);
  assert.ok(alloyF0 > echoF0 * 1.4, `alloy ${alloyF0.toFixed(0)} Hz vs echo ${echoF0.toFixed(0)} Hz`);
  // All ten voices give different audio, and each variant really applies: the female ones
  // are pitched well above the male ones (a variant espeak-ng ignores leaves a male voice).
  const outputs = new Set<string>();
  const pitches: string[] = [];
  for (const name of OPENAI_VOICE_NAMES) {
    const samples = joinSamples(await collect(SENTENCE, { voice: name }));
    outputs.add(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64'));
    const f0 = medianPitch(samples, RATE);
    pitches.push(`${name} ${f0.toFixed(0)}`);
    if (FEMALE.has(name)) assert.ok(f0 > 150, `${name}: ${f0.toFixed(0)} Hz`);
    else assert.ok(f0 < 130, `${name}: ${f0.toFixed(0)} Hz`);
  }
  t.diagnostic(`median F0 (Hz): ${pitches.join(', ')}`);
  assert.equal(outputs.size, 10);
});

test('quotes, $(…), newlines, markup and phoneme brackets are spoken literally, safely', { skip: espeakMissing }, async () => {
  const marker = `/tmp/parley-tts-injection-${process.pid}`;
  const text = `He said "don't" & 'do'; $(touch ${marker}) \`touch ${marker}\` ; rm -rf / \n<speak><break time="3s"/>hi</speak> [[h@l'oU]] -v --help\u0000 end.`;
  const chunks = await collect(text);
  assert.ok(chunks.length > 10);
  assert.equal(chunks.map((c) => c.text).join(''), text);
  assert.ok(!existsSync(marker), 'a shell ran the text');
  assert.ok(Math.max(...chunks.map((c) => rmsDbfs(c.samples))) > -40);
  // Leading dashes are text, not options.
  const dashes = await collect('-w /tmp/x --stdin');
  assert.ok(dashes.length > 3);
  assert.equal(dashes.map((c) => c.text).join(''), '-w /tmp/x --stdin');
});

test('first-chunk latency (report only)', { skip: espeakMissing }, async (t) => {
  const tts = new EspeakSynthesizer();
  const measure = async (text: string): Promise<number> => {
    const t0 = performance.now();
    const iterator = tts.synthesize(text, { voice: 'alloy', speed: 1, signal: signal() })[Symbol.asyncIterator]();
    await iterator.next();
    const ms = performance.now() - t0;
    await iterator.return?.();
    return ms;
  };
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
    return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${s[0]!.toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
  };
  const long = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}, and it goes on for a while.`).join(' ');
  await measure('Warm up.');
  const short: number[] = [];
  const paragraph: number[] = [];
  for (let i = 0; i < 20; i++) short.push(await measure('Hello, how can I help you today?'));
  for (let i = 0; i < 20; i++) paragraph.push(await measure(long));
  t.diagnostic(`first chunk, short sentence (20 runs): ${stats(short)}`);
  t.diagnostic(`first chunk, 12-sentence paragraph (20 runs): ${stats(paragraph)}`);
  await tts.close();
  assert.equal(tts.runningProcesses, 0);
});
