import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import pino from 'pino';
import {
  OpenAISpeechSynthesizer,
  OpenAITranscriptionRecognizer,
  SentenceSplitter,
  SseParser,
  TextPlacer,
  grammarPhrases,
  networkProvidersFromEnv,
  redact,
  type NetworkLogger,
} from '../../src/engines/local/network/index.js';
import type { SpeechChunk } from '../../src/engines/local/providers.js';
import { FakeOpenAI, SPEECH_RATE, countBursts, fakeSpeech, rejection } from '../helpers/fake-openai-http.js';

const KEY = 'sk-test-4f9a2c1e8b7d6a5f3e2d1c0b';
const WRONG_KEY = 'sk-wrong-0a1b2c3d4e5f6a7b8c9d';

/** `count` tone bursts of 200 ms with 150 ms of silence around them, at `rate`. */
function tones(count: number, rate = 16_000): Int16Array {
  const tone = Math.round(rate * 0.2);
  const gap = Math.round(rate * 0.15);
  const out = new Int16Array(gap + count * (tone + gap));
  for (let b = 0; b < count; b++) {
    const start = gap + b * (tone + gap);
    for (let i = 0; i < tone; i++) out[start + i] = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  }
  return out;
}

function writeInPieces(stream: { write(s: Int16Array): void }, samples: Int16Array, piece = 320): void {
  for (let i = 0; i < samples.length; i += piece) stream.write(samples.subarray(i, i + piece));
}

/** A logger that keeps every line pino would write, serializers included. */
function recordingLogger(): { logger: pino.Logger & NetworkLogger; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, text: () => lines.join('') };
}

/** Asserts the key appears nowhere a user or a log could see it. */
function assertNoKey(err: unknown, key: string): void {
  assert.ok(!String((err as Error).message).includes(key), 'message');
  assert.ok(!String((err as Error).stack).includes(key), 'stack');
  assert.ok(!inspect(err, { depth: 10 }).includes(key), 'inspect');
  assert.ok(!JSON.stringify(err).includes(key), 'JSON');
}


/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('networkProvidersFromEnv', () => {
  it('leaves every slot undefined when nothing is configured', () => {
    assert.deepEqual(networkProvidersFromEnv({}), {});
    assert.deepEqual(networkProvidersFromEnv({ PARLEY_STT_URL: '', PARLEY_LLM_URL: '  ' }), {});
  });

  it('reads each slot from its own variables, with defaults for model and no key', () => {
    const cfg = networkProvidersFromEnv({
      PARLEY_STT_URL: 'http://127.0.0.1:8000/v1/',
      PARLEY_STT_MODEL: 'Systran/faster-whisper-small',
      PARLEY_STT_LANGUAGE: 'EN',
      PARLEY_STT_TIMEOUT_MS: '5000',
      PARLEY_LLM_URL: 'https://api.openai.com/v1',
      PARLEY_LLM_API_KEY: KEY,
      PARLEY_TTS_URL: 'http://localhost:8880/v1',
      PARLEY_TTS_VOICE: 'af_heart',
      PARLEY_TTS_SAMPLE_RATE: '22050',
    });
    assert.deepEqual(cfg, {
      stt: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'Systran/faster-whisper-small', timeoutMs: 5000, language: 'en' },
      llm: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: KEY },
      tts: { baseUrl: 'http://localhost:8880/v1', model: 'gpt-4o-mini-tts', voice: 'af_heart', sampleRate: 22050 },
    });
  });

  it('names the variable in errors and never quotes a key or URL credentials', () => {
    assert.throws(() => networkProvidersFromEnv({ PARLEY_LLM_URL: 'ftp://x/v1' }), /PARLEY_LLM_URL = "ftp:\/\/x\/v1": expected an http/);
    assert.throws(() => networkProvidersFromEnv({ PARLEY_TTS_URL: 'http://h/v1', PARLEY_TTS_TIMEOUT_MS: 'soon' }), /PARLEY_TTS_TIMEOUT_MS = "soon": expected a whole number/);
    try {
      networkProvidersFromEnv({ PARLEY_STT_API_KEY: KEY });
      assert.fail('a key without a URL is an error');
    } catch (err) {
      assert.match((err as Error).message, /PARLEY_STT_API_KEY is set but PARLEY_STT_URL is not/);
      assertNoKey(err, KEY);
    }
    try {
      networkProvidersFromEnv({ PARLEY_LLM_URL: `not a url ${KEY}` });
      assert.fail('expected an error');
    } catch (err) {
      assert.match((err as Error).message, /PARLEY_LLM_URL/);
    }
    assert.throws(() => networkProvidersFromEnv({ PARLEY_LLM_URL: 'ftp://user:hunter2@h/v1' }), (err: Error) => !err.message.includes('hunter2'));
  });
});

describe('stream helpers', () => {
  it('SseParser reads events split anywhere, with CRLF, comments and multi-line data', () => {
    const text = ': keep-alive\r\ndata: {"a":1}\r\n\r\ndata: one\ndata: two\n\nevent: x\ndata:three\r\r\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    for (const step of [1, 2, 3, 7, bytes.length]) {
      const p = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...p.push(bytes.subarray(i, i + step)));
      out.push(...p.end());
      assert.deepEqual(out, ['{"a":1}', 'one\ntwo', 'three', '[DONE]'], `step ${step}`);
    }
    // Multi-byte characters split across reads.
    const p = new SseParser();
    const euro = Buffer.from('data: 5 €\n\n');
    assert.deepEqual([...p.push(euro.subarray(0, 9)), ...p.push(euro.subarray(9))], ['5 €']);
  });

  it('SentenceSplitter cuts at sentence ends without losing or reordering text', () => {
    const text = 'Sure! Your appointment is at 10 a.m. on Tuesday. Dr. Smith will see you.\nAnything else? Thanks…  Bye';
    for (const step of [1, 3, 1000]) {
      const s = new SentenceSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += step) out.push(...s.push(text.slice(i, i + step)));
      out.push(s.flush());
      assert.equal(out.join(''), text);
      assert.deepEqual(out, ['Sure! ', 'Your appointment is at 10 a.m. on Tuesday. ', 'Dr. Smith will see you.\n', 'Anything else? ', 'Thanks…  ', 'Bye'], `step ${step}`);
    }
    const long = new SentenceSplitter(40);
    const parts = [...long.push('one two three four five six seven eight nine ten eleven twelve'), long.flush()];
    assert.ok(parts.every((p) => p.length <= 40));
    assert.equal(parts.join(''), 'one two three four five six seven eight nine ten eleven twelve');
  });

  it('grammarPhrases lists a JSGF grammar’s phrases, within the limit', () => {
    const jsgf = '#JSGF V1.0;\n// a comment\ngrammar demo;\npublic <cmd> = (book | cancel) [an] <thing> | when are you open;\n<thing> = appointment | "hair cut" {tag} | /2/ consultation;';
    assert.equal(grammarPhrases(jsgf), 'book, cancel, an, when are you open, appointment, hair cut, consultation');
    assert.equal(grammarPhrases(jsgf, 20), 'book, cancel, an');
  });

  it('TextPlacer hands out whole words in proportion and keeps the last word for the end', () => {
    const t = new TextPlacer('one two three four');
    assert.equal(t.upTo(0.1), '');
    assert.equal(t.upTo(0.5), 'one two ');
    assert.equal(t.upTo(1), 'three ');
    assert.equal(t.upTo(1), '');
    assert.equal(t.rest(), 'four');
  });

  it('redact removes the key and echoed bearer tokens', () => {
    assert.equal(redact(`bad key ${KEY}; header was Bearer abc.def`, KEY), 'bad key [redacted]; header was Bearer [redacted]');
  });
});

describe('OpenAITranscriptionRecognizer', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await FakeOpenAI.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.apiKey = KEY;
    fake.pieceDelayMs = 0;
  });

  const GRAMMAR = { name: 'demo', jsgf: '#JSGF V1.0;\ngrammar demo;\npublic <cmd> = (book | cancel) [an] appointment | when are you open;' };

  it('POSTs the utterance as a 16 kHz WAV in multipart form data and returns the transcript', async () => {
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1', language: 'en' });
    assert.equal(stt.sampleRate, 16_000);
    const stream = stt.start({ grammar: GRAMMAR });
    const audio = tones(3);
    writeInPieces(stream, audio);
    const result = await stream.end();
    assert.deepEqual(result, { text: 'beep beep beep.' }); // one word per tone burst the server found in the WAV

    const req = fake.last('/v1/audio/transcriptions');
    assert.equal(req.method, 'POST');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.match(req.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    const parts = req.parts ?? [];
    const field = (n: string): string | undefined => parts.find((p) => p.name === n)?.data.toString();
    assert.deepEqual(parts.map((p) => p.name).sort(), ['file', 'language', 'model', 'prompt', 'response_format']);
    assert.equal(field('model'), 'whisper-1');
    assert.equal(field('language'), 'en');
    assert.equal(field('response_format'), 'json');
    assert.equal(field('prompt'), 'book, cancel, an, appointment, when are you open');
    const file = parts.find((p) => p.name === 'file');
    assert.equal(file?.contentType, 'audio/wav');
    assert.match(file?.filename ?? '', /\.wav$/);
    const wav = file?.data ?? Buffer.alloc(0);
    assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
    assert.equal(wav.readUInt16LE(20), 1, 'PCM');
    assert.equal(wav.readUInt16LE(22), 1, 'mono');
    assert.equal(wav.readUInt32LE(24), 16_000, 'sample rate');
    assert.equal(wav.readUInt16LE(34), 16, 'bits');
    assert.equal(wav.readUInt32LE(40), audio.length * 2, 'every sample written, in order');
    assert.equal(wav.readInt16LE(44 + 2 * 2500), audio[2500]);
  });

  it('the transcript follows the audio: a different utterance, a different answer', async () => {
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1' });
    const one = stt.start({});
    writeInPieces(one, tones(1));
    const five = stt.start({});
    writeInPieces(five, tones(5));
    assert.deepEqual(await Promise.all([one.end(), five.end()]), [{ text: 'beep.' }, { text: 'beep beep beep beep beep.' }]);
    const req = fake.last('/v1/audio/transcriptions');
    assert.deepEqual((req.parts ?? []).map((p) => p.name).sort(), ['file', 'model', 'response_format'], 'no grammar, no language: no prompt, no language field');
  });

  it('sends no Authorization header without a key, and nothing at all for an empty utterance', async () => {
    fake.apiKey = undefined;
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, model: 'whisper-1' });
    const before = fake.count('/v1/audio/transcriptions');
    assert.deepEqual(await stt.start({}).end(), { text: '' });
    assert.equal(fake.count('/v1/audio/transcriptions'), before);
    const s = stt.start({});
    writeInPieces(s, tones(2));
    assert.deepEqual(await s.end(), { text: 'beep beep.' });
    assert.equal(fake.last('/v1/audio/transcriptions').headers.authorization, undefined);
  });

  it('a rejected key is stt_http_error 401 with the server’s message, the key redacted', async () => {
    const { logger, text } = recordingLogger();
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: WRONG_KEY, model: 'whisper-1' }, { logger });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_http_error');
    assert.equal(err.status, 401);
    assert.match(err.message, /HTTP 401.*Incorrect API key provided: \[redacted\]/);
    assert.match(err.message, /\/v1\/audio\/transcriptions/);
    assertNoKey(err, WRONG_KEY);
    logger.warn({ err }, 'transcription failed'); // as the local engine logs it
    assert.match(text(), /Incorrect API key/);
    assert.ok(!text().includes(WRONG_KEY), 'logs carry no key');
  });

  it('a server error is stt_http_error with its status and message', async () => {
    fake.failNext('/v1/audio/transcriptions', 500, 'The server had an error while processing your request.');
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1' });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_http_error');
    assert.equal(err.status, 500);
    assert.match(err.message, /HTTP 500 Internal Server Error: The server had an error while processing your request\./);
    assertNoKey(err, KEY);
  });

  it('gives up after timeoutMs with stt_timeout, closing the connection', async () => {
    fake.stallNext('/v1/audio/transcriptions');
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1', timeoutMs: 200 });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const started = Date.now();
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_timeout');
    assert.match(err.message, /timed out after 200 ms/);
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(await fake.last('/v1/audio/transcriptions').closed, { early: true });
  });

  it('cancel() aborts the request in flight: stt_cancelled, and the server sees the connection closed', async () => {
    fake.stallNext('/v1/audio/transcriptions');
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1' });
    const n = fake.count('/v1/audio/transcriptions');
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const pending = s.end();
    await until(() => fake.count('/v1/audio/transcriptions') > n);
    s.cancel();
    assert.equal((await rejection(pending)).code, 'stt_cancelled');
    assert.deepEqual(await fake.last('/v1/audio/transcriptions').closed, { early: true });
    // Cancelled before its end: nothing is sent.
    const t = stt.start({});
    writeInPieces(t, tones(1));
    t.cancel();
    assert.equal((await rejection(t.end())).code, 'stt_cancelled');
    assert.equal(fake.count('/v1/audio/transcriptions'), n + 1);
  });

  it('an unreachable server is stt_network_error; a closed recognizer refuses work', async () => {
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, apiKey: KEY, model: 'whisper-1' });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_network_error');
    assert.match(err.message, /ECONNREFUSED/);
    assertNoKey(err, KEY);
    await stt.close();
    const late = stt.start({});
    late.write(tones(1));
    assert.equal((await rejection(late.end())).code, 'stt_closed');
  });

  it('a key fetch refuses as a header value is not quoted back', async () => {
    const odd = 'sk-odd\nsecret-tail-998877';
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: odd, model: 'whisper-1' });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_network_error');
    assert.match(err.message, /invalid header value/);
    assertNoKey(err, 'secret-tail-998877');
  });

  it('a 2xx answer without a transcript is stt_bad_response', async () => {
    fake.rawNext('/v1/audio/transcriptions', 'text/html', '<html>proxy login</html>');
    const stt = new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1' });
    const s = stt.start({});
    writeInPieces(s, tones(1));
    const err = await rejection(s.end());
    assert.equal(err.code, 'stt_bad_response');
    assert.match(err.message, /proxy login/);
  });
});

describe('OpenAISpeechSynthesizer', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await FakeOpenAI.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.apiKey = KEY;
    fake.pieceDelayMs = 0;
    fake.hold = null;
    fake.speechContentLength = false;
  });

  const collect = async (it: AsyncIterable<SpeechChunk>): Promise<SpeechChunk[]> => {
    const out: SpeechChunk[] = [];
    for await (const c of it) out.push(c);
    return out;
  };
  const bytesOf = (chunks: SpeechChunk[]): Buffer => Buffer.concat(chunks.map((c) => Buffer.from(c.samples.buffer, c.samples.byteOffset, c.samples.byteLength)));

  it('POSTs {model, input, voice, response_format: pcm, speed} and streams the PCM back in 100 ms chunks', async () => {
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const text = 'Hello there, this is a streamed sentence about your appointment.';
    const chunks = await collect(tts.synthesize(text, { voice: 'coral', speed: 1.25, signal: new AbortController().signal }));
    const req = fake.last('/v1/audio/speech');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(req.json, { model: 'tts-1', input: text, voice: 'coral', response_format: 'pcm', speed: 1.25 });
    // The audio is exactly what the server sent (its length follows the text and the speed).
    assert.deepEqual(bytesOf(chunks), fakeSpeech(text, 1.25));
    assert.ok(chunks.every((c) => c.sampleRate === SPEECH_RATE));
    assert.ok(chunks.slice(0, -1).every((c) => c.samples.length === 2400), 'full chunks are 100 ms');
    const last = chunks.at(-1)?.samples.length ?? 0;
    assert.ok(last > 0 && last <= 2400);
    assert.equal(chunks.map((c) => c.text).join(''), text);
    assert.ok(chunks.slice(0, -1).every((c) => c.text === '' || /\s$/.test(c.text)), 'pieces end at word boundaries');
    assert.ok(chunks.filter((c) => c.text !== '').length >= 5, 'text spread over the audio');
  });

  it('places text exactly in proportion when the server announces the length', async () => {
    fake.speechContentLength = true;
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const text = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj';
    const chunks = await collect(tts.synthesize(text, { voice: 'alloy', speed: 1, signal: new AbortController().signal }));
    let samples = 0;
    let chars = 0;
    const total = fakeSpeech(text, 1).byteLength / 2;
    for (const c of chunks.slice(0, -1)) {
      samples += c.samples.length;
      chars += c.text.length;
      const exact = (text.length * samples) / total;
      assert.ok(chars <= exact + 1e-9 && chars > exact - 5, `${chars} chars placed by ${samples} samples (exact ${exact.toFixed(1)})`);
    }
    assert.equal(chunks.map((c) => c.text).join(''), text);
  });

  it('yields the first chunk before the server has sent the rest', async () => {
    let release = (): void => undefined;
    fake.hold = new Promise((r) => (release = r));
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const it = tts.synthesize('A sentence long enough to need many chunks of audio.', { voice: 'alloy', speed: 1, signal: new AbortController().signal })[Symbol.asyncIterator]();
    const first = await Promise.race([it.next(), new Promise<'late'>((r) => setTimeout(() => r('late'), 2000))]);
    assert.notEqual(first, 'late', 'a chunk arrived while the server was still holding the rest');
    assert.equal(fake.last('/v1/audio/speech').early, false);
    release();
    let n = 1;
    while (!(await it.next()).done) n++;
    assert.ok(n > 10);
  });

  it('an aborted signal ends the iteration quietly and closes the connection mid-stream', async () => {
    fake.pieceDelayMs = 30;
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const ac = new AbortController();
    const chunks: SpeechChunk[] = [];
    const started = Date.now();
    for await (const c of tts.synthesize('This answer is long, long enough to be interrupted by the caller halfway through.', { voice: 'alloy', speed: 1, signal: ac.signal })) {
      chunks.push(c);
      if (chunks.length === 2) ac.abort();
    }
    assert.equal(chunks.length, 2);
    assert.ok(Date.now() - started < 1500);
    assert.deepEqual(await fake.last('/v1/audio/speech').closed, { early: true });
  });

  it('a consumer that stops early closes the connection too', async () => {
    fake.pieceDelayMs = 30;
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    for await (const c of tts.synthesize('Another long answer that nobody wants to hear to its very end, really.', { voice: 'alloy', speed: 1, signal: new AbortController().signal })) {
      assert.ok(c.samples.length > 0);
      break;
    }
    assert.deepEqual(await fake.last('/v1/audio/speech').closed, { early: true });
  });

  it('a configured voice replaces the session’s; a voice the server does not know is tts_http_error 400', async () => {
    const signal = new AbortController().signal;
    const bad = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const err = await rejection(collect(bad.synthesize('Hi there.', { voice: 'af_heart', speed: 1, signal })));
    assert.equal(err.code, 'tts_http_error');
    assert.equal(err.status, 400);
    assert.match(err.message, /Invalid value for 'voice': af_heart/);
    const fixed = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1', voice: 'nova' });
    const chunks = await collect(fixed.synthesize('Hi there.', { voice: 'af_heart', speed: 1, signal }));
    assert.equal(fake.last('/v1/audio/speech').json?.voice, 'nova');
    assert.equal(chunks.map((c) => c.text).join(''), 'Hi there.');
  });

  it('HTTP errors carry the status and never the key; timeouts are tts_timeout', async () => {
    const signal = new AbortController().signal;
    const wrong = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: WRONG_KEY, model: 'tts-1' });
    const e401 = await rejection(collect(wrong.synthesize('Hello.', { voice: 'alloy', speed: 1, signal })));
    assert.equal(e401.code, 'tts_http_error');
    assert.equal(e401.status, 401);
    assert.match(e401.message, /Incorrect API key provided: \[redacted\]/);
    assertNoKey(e401, WRONG_KEY);

    fake.failNext('/v1/audio/speech', 500, 'The server had an error.');
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1', timeoutMs: 200 });
    const e500 = await rejection(collect(tts.synthesize('Hello.', { voice: 'alloy', speed: 1, signal })));
    assert.equal(e500.status, 500);
    assert.match(e500.message, /The server had an error\./);

    fake.stallNext('/v1/audio/speech');
    const eTimeout = await rejection(collect(tts.synthesize('Hello.', { voice: 'alloy', speed: 1, signal })));
    assert.equal(eTimeout.code, 'tts_timeout');

    // A stream that stops mid-way times out too.
    let release = (): void => undefined;
    fake.hold = new Promise((r) => (release = r));
    const eIdle = await rejection(collect(tts.synthesize('A sentence that stops halfway through.', { voice: 'alloy', speed: 1, signal })));
    release();
    assert.equal(eIdle.code, 'tts_timeout');
    assert.match(eIdle.message, /while streaming audio/);
  });

  it('text longer than one request allows is sent in sentence-aligned pieces', async () => {
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' }, { maxInputChars: 40 });
    const text = 'This is the first sentence. Here comes the second one. And a third.';
    const before = fake.count('/v1/audio/speech');
    const chunks = await collect(tts.synthesize(text, { voice: 'alloy', speed: 1, signal: new AbortController().signal }));
    const inputs = fake.requests.slice(-(fake.count('/v1/audio/speech') - before)).map((r) => r.json?.input);
    assert.deepEqual(inputs, ['This is the first sentence. ', 'Here comes the second one. And a third.']);
    assert.equal(chunks.map((c) => c.text).join(''), text);
  });

  it('countBursts (the fake’s recognizer) finds tone bursts', () => {
    assert.equal(countBursts(tones(4), 16_000).length, 4);
  });
});
