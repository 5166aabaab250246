import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PocketsphinxRecognizer, SttError, defineGrammar, type Grammar } from '../../src/engines/local/stt/index.js';
import type { RecognitionStream } from '../../src/engines/local/providers.js';
import { CORE, CORE_VOICES, MORE, MORE_VOICES, SpeechFixtures, bookingGrammar, chunks } from './stt-fixtures.js';

/*
 * End-to-end recognition: espeak-ng speaks, sox makes it 16 kHz mono, the audio is streamed in
 * 20 ms chunks into pocketsphinx workers. Needs espeak-ng, sox, python3-pocketsphinx and
 * pocketsphinx-en-us. Timings are reported with t.diagnostic, never asserted.
 */

const fixtures = new SpeechFixtures();
let recognizer: PocketsphinxRecognizer;
let booking: Grammar;

function isSttError(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SttError, `expected an SttError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

function writeAll(stream: RecognitionStream, samples: Int16Array, ms = 20): void {
  for (const chunk of chunks(samples, ms)) stream.write(chunk);
}

async function recognize(samples: Int16Array, grammar: Grammar = booking, rec = recognizer): Promise<string> {
  const stream = rec.start({ grammar });
  writeAll(stream, samples);
  return (await stream.end()).text;
}

/** Resolves once the worker has handled everything sent before (its pipe is strictly ordered). */
async function drained(rec = recognizer): Promise<void> {
  await rec.stats();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

before(async () => {
  booking = bookingGrammar();
  recognizer = await PocketsphinxRecognizer.create();
  // Synthesize everything up front, a few processes at a time.
  const jobs = [...CORE_VOICES, ...MORE_VOICES].flatMap((voice) => [...CORE, ...MORE].map((p) => () => fixtures.get(p.say, voice)));
  const workers = Array.from({ length: 4 }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  });
  await Promise.all(workers);
});

after(async () => {
  await recognizer?.close();
  fixtures.dispose();
});

describe('PocketsphinxRecognizer', () => {
  test('reports itself as a 16 kHz recognizer with warm workers', async (t) => {
    assert.equal(recognizer.sampleRate, 16000);
    assert.equal(recognizer.name, 'pocketsphinx');
    const [stats] = await recognizer.stats();
    assert.ok(stats?.pid !== undefined);
    assert.equal(stats.ready?.cmn, 'utterance', 'per-utterance cepstral mean normalisation should be active');
    t.diagnostic(`worker pid ${stats.pid}: ${stats.pong?.decoders} warm decoders, RSS ${((stats.pong?.rssKb ?? 0) / 1024).toFixed(1)} MB`);
  });

  for (const voice of CORE_VOICES) {
    for (const phrase of CORE) {
      test(`recognizes "${phrase.say}" (${voice})`, async () => {
        assert.equal(await recognize(await fixtures.get(phrase.say, voice)), phrase.expect);
      });
    }
  }

  test('accuracy on the larger set (diagnostic)', async (t) => {
    const misses: string[] = [];
    let total = 0;
    let correct = 0;
    for (const voice of [...CORE_VOICES, ...MORE_VOICES]) {
      let ok = 0;
      for (const phrase of [...CORE, ...MORE]) {
        const text = await recognize(await fixtures.get(phrase.say, voice));
        if (text === phrase.expect) ok++;
        else misses.push(`${voice} "${phrase.say}" → "${text}"`);
      }
      total += CORE.length + MORE.length;
      correct += ok;
      t.diagnostic(`${voice}: ${ok}/${CORE.length + MORE.length} sentences exact`);
    }
    t.diagnostic(`overall: ${correct}/${total} sentences exact (${((100 * correct) / total).toFixed(1)}%)`);
    for (const miss of misses) t.diagnostic(`miss: ${miss}`);
  });

  test('end() latency once the audio has been streamed (diagnostic)', async (t) => {
    // Each core utterance: all audio written and decoded, then end() → transcript.
    const drainedTimes: string[] = [];
    for (const phrase of CORE) {
      const samples = await fixtures.get(phrase.say, 'en-us');
      const stream = recognizer.start({ grammar: booking });
      writeAll(stream, samples);
      await drained();
      const t0 = performance.now();
      const { text } = await stream.end();
      drainedTimes.push(`${(samples.length / 16).toFixed(0)} ms "${text}": ${fmt(performance.now() - t0)}`);
    }
    for (const line of drainedTimes) t.diagnostic(`end() after drained audio, ${line}`);

    // Real time: two callers at once, each writing a 20 ms chunk every 20 ms, then end().
    const live = await Promise.all(
      [CORE[4]!, CORE[0]!].map(async (phrase) => {
        const samples = await fixtures.get(phrase.say, 'en-us');
        const stream = recognizer.start({ grammar: booking });
        const start = performance.now();
        let i = 0;
        for (const chunk of chunks(samples)) {
          stream.write(chunk);
          i++;
          const due = start + i * 20 - performance.now();
          if (due > 0) await sleep(due);
        }
        const t0 = performance.now();
        const { text } = await stream.end();
        const ms = performance.now() - t0;
        assert.equal(text, phrase.expect);
        return `${(samples.length / 16000).toFixed(2)} s "${text}": ${fmt(ms)}`;
      }),
    );
    for (const line of live) t.diagnostic(`end() after real-time streaming, ${line}`);

    // Worst case: the whole utterance written at once and end() called immediately (push-to-talk commit).
    const samples = await fixtures.get(CORE[4]!.say, 'en-us');
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      await recognize(samples);
      times.push(performance.now() - t0);
    }
    t.diagnostic(`whole 2.55 s utterance written at once → transcript: median ${fmt(median(times))}`);
  });

  test('partial hypotheses arrive while audio streams, throttled to ~200 ms of audio', async (t) => {
    const samples = await fixtures.get(CORE[0]!.say, 'en-us');
    const partials: string[] = [];
    const stream = recognizer.start({ grammar: booking, onPartial: (text) => partials.push(text) });
    writeAll(stream, samples);
    await drained();
    const { text } = await stream.end();
    assert.equal(text, CORE[0]!.expect);
    assert.ok(partials.length >= 3, `only ${partials.length} partials`);
    assert.ok(partials.length <= Math.ceil(samples.length / 16 / 200), `${partials.length} partials for ${samples.length / 16} ms`);
    assert.ok(partials.every((p) => p !== ''));
    assert.ok(partials.some((p) => p.startsWith("i'd like")), partials.join(' / '));
    t.diagnostic(`partials: ${partials.join(' / ')}`);
  });

  test('four interleaved utterances each get their own transcript', async () => {
    const cases = [
      { phrase: CORE[0]!, voice: 'en-us' },
      { phrase: CORE[3]!, voice: 'en-gb' },
      { phrase: CORE[4]!, voice: 'en-gb' },
      { phrase: CORE[2]!, voice: 'en-us' },
    ];
    const audio = await Promise.all(cases.map((c) => fixtures.get(c.phrase.say, c.voice)));
    const streams = cases.map(() => recognizer.start({ grammar: booking }));
    const split = audio.map((a) => chunks(a));
    const longest = Math.max(...split.map((c) => c.length));
    for (let i = 0; i < longest; i++) {
      split.forEach((c, s) => {
        const chunk = c[i];
        if (chunk) streams[s]!.write(chunk);
      });
    }
    const texts = await Promise.all(streams.map((s) => s.end()));
    assert.deepEqual(
      texts.map((t) => t.text),
      cases.map((c) => c.phrase.expect),
    );
  });

  test('utterances with different grammars run side by side', async () => {
    const yesNo = defineGrammar({ name: 'yes_no', public: 'answer', rules: { answer: ['yes', 'no'] } });
    const [yes, digits] = await Promise.all([fixtures.get('yes', 'en-us'), fixtures.get(CORE[4]!.say, 'en-us')]);
    const a = recognizer.start({ grammar: yesNo });
    const b = recognizer.start({ grammar: booking });
    writeAll(a, yes);
    writeAll(b, digits);
    assert.deepEqual(
      (await Promise.all([a.end(), b.end()])).map((t) => t.text),
      ['yes', CORE[4]!.expect],
    );
  });

  test('the transcript does not depend on how the audio is chunked', async () => {
    const samples = await fixtures.get(CORE[0]!.say, 'en-gb');
    const whole = recognizer.start({ grammar: booking });
    whole.write(samples);
    const odd = recognizer.start({ grammar: booking });
    for (let i = 0; i < samples.length; i += 333) odd.write(samples.subarray(i, i + 333));
    const [a, b] = await Promise.all([whole.end(), odd.end()]);
    assert.equal(a.text, CORE[0]!.expect);
    assert.equal(b.text, a.text);
  });

  test('cancel() drops the utterance and leaves the decoder clean', async () => {
    const book = await fixtures.get(CORE[0]!.say, 'en-us');
    const partials: string[] = [];
    const a = recognizer.start({ grammar: booking, onPartial: (p) => partials.push(p) });
    writeAll(a, book.subarray(0, book.length / 2));
    a.cancel();
    a.write(book.subarray(book.length / 2)); // ignored
    await assert.rejects(a.end(), isSttError('stt_cancelled'));
    a.cancel(); // twice is harmless

    // Cancelling while end() is pending rejects it.
    const b = recognizer.start({ grammar: booking });
    writeAll(b, book);
    const pending = b.end();
    b.cancel();
    await assert.rejects(pending, isSttError('stt_cancelled'));

    const count = partials.length;
    assert.equal(await recognize(await fixtures.get('cancel my appointment', 'en-us')), 'cancel my appointment');
    await drained();
    assert.equal(partials.length, count, 'no partials after cancel()');
  });

  test('a killed worker rejects its utterance clearly and is replaced for the next one', async () => {
    const [before] = await recognizer.stats();
    const pid = before!.pid!;
    const samples = await fixtures.get(CORE[0]!.say, 'en-us');
    const stream = recognizer.start({ grammar: booking });
    writeAll(stream, samples.subarray(0, samples.length / 2));
    await drained();
    process.kill(pid, 'SIGKILL');
    await assert.rejects(
      stream.end(),
      isSttError('stt_worker_crashed', new RegExp(`worker \\(pid ${pid}\\) was killed by SIGKILL while this utterance was being recognized; it is restarted`)),
    );
    stream.write(samples); // ignored, no throw
    assert.equal(await recognize(samples), CORE[0]!.expect);
    const [after] = await recognizer.stats();
    assert.ok(after!.pid !== undefined && after!.pid !== pid, 'a new worker process');
  });

  test('an utterance that gets no result in time fails with stt_timeout and the worker restarts', async () => {
    const rec = new PocketsphinxRecognizer({ endTimeoutMs: 5 });
    try {
      const samples = await fixtures.get(CORE[0]!.say, 'en-us');
      await rec.ready();
      const [before] = await rec.stats();
      // Nearly 4 s of audio written at once takes far more than 5 ms to decode.
      await assert.rejects(recognize(samples, booking, rec), isSttError('stt_timeout', /no result within 5 ms/));
      await sleep(50);
      await rec.ready();
      const [after] = await rec.stats();
      assert.ok(after!.pid !== undefined && after!.pid !== before!.pid, 'a new worker process');
    } finally {
      await rec.close();
    }
  });

  test('a grammar with a word outside the dictionary fails with the word named', async () => {
    const stream = recognizer.start({
      grammar: { name: 'oov', jsgf: '#JSGF V1.0;\ngrammar oov;\npublic <a> = book a (consultation | flurbotron);\n' },
    });
    stream.write(new Int16Array(320)); // ignored
    await assert.rejects(stream.end(), (error) => {
      isSttError('stt_unknown_words', /grammar "oov" uses a word .*"flurbotron"/)(error);
      assert.deepEqual((error as SttError).words, ['flurbotron']);
      return true;
    });
    assert.throws(
      () => defineGrammar({ name: 'oov', public: 'a', rules: { a: 'book a flurbotron' } }),
      isSttError('stt_unknown_words', /"flurbotron"/),
    );
  });

  test('a grammar pocketsphinx cannot compile fails with stt_grammar_invalid, and others still work', async () => {
    const broken = recognizer.start({ grammar: { name: 'broken', jsgf: '#JSGF V1.0;\ngrammar broken;\npublic <a> = yes | | no;\n' } });
    const fine = recognizer.start({ grammar: booking });
    writeAll(broken, await fixtures.get('yes', 'en-us'));
    writeAll(fine, await fixtures.get('yes', 'en-us'));
    await assert.rejects(broken.end(), isSttError('stt_grammar_invalid', /could not compile grammar "broken"/));
    assert.equal((await fine.end()).text, 'yes');
  });

  test('no grammar, another language, or a closed recognizer fail through end()', async () => {
    await assert.rejects(recognizer.start({}).end(), isSttError('stt_grammar_required', /defineGrammar/));
    await assert.rejects(recognizer.start({ grammar: booking, language: 'fr' }).end(), isSttError('stt_language_unsupported'));
    const rec = new PocketsphinxRecognizer({ defaultGrammar: booking });
    assert.equal(await recognize(await fixtures.get('yes', 'en-gb'), undefined as unknown as Grammar, rec), 'yes');
    const pending = rec.start({});
    writeAll(pending, await fixtures.get('yes', 'en-gb'));
    await rec.close();
    await assert.rejects(pending.end(), isSttError('stt_closed'));
    await assert.rejects(rec.start({ grammar: booking }).end(), isSttError('stt_closed'));
  });

  test('missing system packages give stt_unavailable with the apt-get command', async () => {
    const noModel = new PocketsphinxRecognizer({ modelDir: '/nonexistent/model' });
    await assert.rejects(noModel.start({ grammar: booking }).end(), (error) => {
      isSttError('stt_unavailable', /pocketsphinx US English model is not installed.*sudo apt-get install -y pocketsphinx-en-us/)(error);
      assert.equal((error as SttError).command, 'sudo apt-get install -y pocketsphinx-en-us');
      return true;
    });
    await assert.rejects(
      PocketsphinxRecognizer.create({ python: '/nonexistent/python3' }),
      isSttError('stt_unavailable', /sudo apt-get install -y python3 python3-pocketsphinx/),
    );
    // A Python that cannot see Debian's bindings (-S drops dist-packages from its path).
    const python = join(fixtures.dir, 'python-without-bindings');
    writeFileSync(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    chmodSync(python, 0o755);
    await assert.rejects(
      PocketsphinxRecognizer.create({ python }),
      isSttError('stt_unavailable', /pocketsphinx Python bindings.*sudo apt-get install -y python3-pocketsphinx/),
    );
  });

  test('memory per decoder (diagnostic)', async (t) => {
    const rec = await PocketsphinxRecognizer.create({ warmDecoders: 1, maxIdleDecoders: 16 });
    try {
      const [before] = await rec.stats();
      const streams = Array.from({ length: 9 }, () => rec.start({ grammar: booking }));
      for (const s of streams) s.write(new Int16Array(1600));
      const [during] = await rec.stats();
      for (const s of streams) s.cancel();
      const kb = (during!.pong!.rssKb ?? 0) - (before!.pong!.rssKb ?? 0);
      const added = during!.pong!.decoders - before!.pong!.decoders;
      assert.equal(during!.pong!.streams, 9);
      t.diagnostic(
        `worker with 1 decoder: ${((before!.pong!.rssKb ?? 0) / 1024).toFixed(1)} MB RSS; ` +
          `${added} more decoders with the booking grammar: +${(kb / 1024).toFixed(1)} MB (${(kb / 1024 / added).toFixed(1)} MB each)`,
      );
    } finally {
      await rec.close();
    }
  });
});
