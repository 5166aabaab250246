/**
 * A small OpenAI-compatible HTTP server for tests of the network providers:
 * `/v1/audio/transcriptions`, `/v1/chat/completions` (streamed as OpenAI
 * streams) and `/v1/audio/speech`, implementing the documented request and
 * response shapes. Its answers are computed from the requests — the audio's
 * tone bursts, the last chat message and the tools offered, the text's length —
 * so a test passes only if the request was built right. Every request is
 * recorded, with whether the client closed the connection before the answer ended.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkProviderError } from '../../src/engines/local/network/index.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json?: Record<string, unknown>;
  parts?: MultipartPart[];
  /** Resolves when the connection is done: `early` when the client closed it before the answer ended. */
  closed: Promise<{ early: boolean }>;
  early: boolean;
}

type Override = { kind: 'fail'; status: number; message: string } | { kind: 'stall' } | { kind: 'raw'; contentType: string; body: string };

export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];

/** 50 ms of speech per character at speed 1: how long the fake's speech is. */
export const SPEECH_MS_PER_CHAR = 50;
export const SPEECH_RATE = 24_000;

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401, echoing what was sent, as OpenAI does). */
  apiKey: string | undefined;
  /** Pause between streamed pieces (chat events, speech writes). */
  pieceDelayMs = 0;
  /** Speech: announce the audio length in Content-Length (OpenAI streams chunked, without it). */
  speechContentLength = false;
  /** Speech and chat: after the first piece (speech: the first 8778 bytes), wait for this before sending the rest. */
  hold: Promise<void> | null = null;
  private readonly overrides = new Map<string, Override[]>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(opts: { apiKey?: string } = {}): Promise<FakeOpenAI> {
    let fake: FakeOpenAI | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenAI(server, `http://127.0.0.1:${port}/v1`);
    fake.apiKey = opts.apiKey;
    return fake;
  }

  /** The next request to `path` (e.g. `/v1/chat/completions`) fails with this status and OpenAI-shaped error. */
  failNext(path: string, status: number, message: string): void {
    this.push(path, { kind: 'fail', status, message });
  }

  /** The next request to `path` gets no answer at all (until the client gives up). */
  stallNext(path: string): void {
    this.push(path, { kind: 'stall' });
  }

  /** The next request to `path` gets this body verbatim (status 200). */
  rawNext(path: string, contentType: string, body: string): void {
    this.push(path, { kind: 'raw', contentType, body });
  }

  private push(path: string, o: Override): void {
    this.overrides.set(path, [...(this.overrides.get(path) ?? []), o]);
  }

  last(path: string): RecordedRequest {
    const r = this.requests.filter((x) => x.path === path).at(-1);
    if (!r) throw new Error(`no request to ${path}`);
    return r;
  }

  count(path: string): number {
    return this.requests.filter((x) => x.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    let markClosed: (v: { early: boolean }) => void = () => undefined;
    const rec: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body, closed: new Promise((r) => (markClosed = r)), early: false };
    res.on('close', () => {
      rec.early = !res.writableFinished;
      markClosed({ early: rec.early });
    });
    this.requests.push(rec);
    try {
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('application/json')) rec.json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      else if (type.startsWith('multipart/form-data')) rec.parts = parseMultipart(body, type);
    } catch (err) {
      return sendError(res, 400, `could not parse the body: ${(err as Error).message}`, 'invalid_request_error');
    }
    if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return sendError(res, 401, given ? `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.` : "You didn't provide an API key.", 'invalid_request_error', 'invalid_api_key');
    }
    const override = this.overrides.get(path)?.shift();
    if (override?.kind === 'fail') return sendError(res, override.status, override.message, override.status >= 500 ? 'server_error' : 'invalid_request_error');
    if (override?.kind === 'stall') return; // the client's timeout or cancel closes it
    if (override?.kind === 'raw') {
      res.writeHead(200, { 'content-type': override.contentType });
      res.end(override.body);
      return;
    }
    if (req.method !== 'POST') return sendError(res, 405, `Method ${req.method} not allowed`, 'invalid_request_error');
    if (path === '/v1/audio/transcriptions') return this.transcribe(rec, res);
    if (path === '/v1/chat/completions') return this.chat(rec, res);
    if (path === '/v1/audio/speech') return this.speech(rec, res);
    return sendError(res, 404, `Invalid URL (POST ${path})`, 'invalid_request_error');
  }

  // ---------- /v1/audio/transcriptions ----------

  private transcribe(rec: RecordedRequest, res: ServerResponse): void {
    const parts = rec.parts;
    if (!parts) return sendError(res, 400, 'Expected multipart/form-data', 'invalid_request_error');
    const field = (name: string): string | undefined => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
    const file = parts.find((p) => p.name === 'file');
    if (!file?.filename) return sendError(res, 400, "Missing required parameter: 'file'.", 'invalid_request_error');
    if (!field('model')) return sendError(res, 400, "Missing required parameter: 'model'.", 'invalid_request_error');
    const format = field('response_format') ?? 'json';
    if (format !== 'json') return sendError(res, 400, `This fake only answers response_format=json, got ${format}`, 'invalid_request_error');
    let wav: { sampleRate: number; channels: number; bits: number; samples: Int16Array };
    try {
      wav = parseWavHeader(file.data);
    } catch (err) {
      return sendError(res, 400, `Invalid file format: ${(err as Error).message}`, 'invalid_request_error');
    }
    // "Recognizes" each tone burst as a word: the transcript depends on the audio sent.
    const words = countBursts(wav.samples, wav.sampleRate).map(() => 'beep');
    const text = words.length === 0 ? '' : ` ${words.join(' ')}.`;
    sendJson(res, 200, { text });
  }

  // ---------- /v1/chat/completions ----------

  private async chat(rec: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = rec.json as ChatBody | undefined;
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) return sendError(res, 400, "Missing required parameter: 'messages'.", 'invalid_request_error');
    let reply: Reply;
    try {
      reply = decide(body);
    } catch (err) {
      return sendError(res, 400, (err as Error).message, 'invalid_request_error');
    }
    const pieces = [...(reply.text ?? []), ...(reply.calls ?? []).flatMap((c) => c.args)];
    const usage = { prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4), completion_tokens: pieces.length, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 } };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const finish = reply.calls?.length ? 'tool_calls' : 'stop';
    if (body.stream !== true) {
      const toolCalls = reply.calls?.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args.join('') } }));
      return sendJson(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text ? reply.text.join('') : null, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, logprobs: null, finish_reason: finish }],
        usage,
      });
    }
    const withUsage = body.stream_options?.include_usage === true;
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: 'fp_fake' };
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(withUsage ? { usage: null } : {}) })}\n\n`;
    const events: string[] = [];
    if (reply.text) {
      events.push(chunk({ role: 'assistant', content: '', refusal: null }));
      for (const t of reply.text) events.push(chunk({ content: t }));
    }
    reply.calls?.forEach((c, index) => {
      events.push(chunk({ ...(index === 0 && !reply.text ? { role: 'assistant', content: null } : {}), tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const a of c.args) events.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }));
    });
    events.push(chunk({}, finish));
    if (withUsage) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    events.push('data: [DONE]\n\n');
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    await this.stream(res, events.map((e) => Buffer.from(e, 'utf8')));
  }

  // ---------- /v1/audio/speech ----------

  private async speech(rec: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = rec.json as { model?: unknown; input?: unknown; voice?: unknown; response_format?: unknown; speed?: unknown } | undefined;
    if (!body || typeof body.model !== 'string') return sendError(res, 400, "Missing required parameter: 'model'.", 'invalid_request_error');
    if (typeof body.input !== 'string' || body.input === '') return sendError(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error');
    if (typeof body.voice !== 'string' || !OPENAI_VOICES.includes(body.voice)) return sendError(res, 400, `Invalid value for 'voice': ${String(body.voice)}.`, 'invalid_request_error');
    if (body.response_format !== 'pcm') return sendError(res, 400, `This fake only streams response_format=pcm, got ${String(body.response_format)}`, 'invalid_request_error');
    const speed = typeof body.speed === 'number' ? body.speed : 1;
    if (speed < 0.25 || speed > 4) return sendError(res, 400, `Invalid value for 'speed': ${speed}.`, 'invalid_request_error');
    const pcm = fakeSpeech(body.input, speed);
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(this.speechContentLength ? { 'content-length': String(pcm.byteLength) } : {}) });
    // Uneven pieces, some splitting a sample in two, as a network delivers them.
    const pieces: Buffer[] = [];
    const sizes = [1001, 7777, 3, 12000, 4801];
    for (let at = 0, i = 0; at < pcm.byteLength; i++) {
      const size = sizes[i % sizes.length] as number;
      pieces.push(pcm.subarray(at, at + size));
      at += size;
    }
    await this.stream(res, pieces, 2);
  }

  private async stream(res: ServerResponse, pieces: Buffer[], holdAfter = 1): Promise<void> {
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return;
      res.write(pieces[i]);
      if (i === holdAfter - 1 && this.hold) await this.hold;
      if (this.pieceDelayMs > 0) await sleep(this.pieceDelayMs);
    }
    if (!res.destroyed) res.end();
  }
}

// ---------- chat decisions ----------

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

interface Reply {
  /** Content pieces, streamed one per chunk. */
  text?: string[];
  calls?: Array<{ id: string; name: string; args: string[] }>;
}

const words = (text: string): string[] => text.match(/\S+\s*/g) ?? [];

/** Text of a message's `content`: a string or text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : '')).join('\n');
  return '';
}

let callCounter = 0;

/**
 * What the fake model says, from the request alone:
 * - after a `tool` message: reports that tool's output, naming the function of the
 *   assistant `tool_calls` entry with the same id (400 if there is none, as OpenAI answers);
 * - "weather in <City> [and <City>]": calls `get_weather` per city when the request
 *   offers it and `tool_choice` allows; says it cannot otherwise. "please" adds a spoken preamble;
 * - "count to N": streams the numbers one per chunk;
 * - anything else: "You said: …", prefixed by "[<first system message>] " when there is one.
 */
function decide(body: ChatBody): Reply {
  const messages = body.messages;
  const last = messages.at(-1);
  if (!last) throw new Error("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'tool') continue;
    const owner = messages.slice(0, i).reverse().find((p) => p.role === 'assistant' && p.tool_calls);
    if (!owner?.tool_calls?.some((c) => c.id === m.tool_call_id)) {
      throw new Error(`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`);
    }
  }
  if (last.role === 'tool') {
    const call = messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id);
    return { text: words(`The ${call?.function.name ?? '?'} tool says: ${contentText(last.content)}`) };
  }
  const text = contentText(last.content);
  const weather = /weather in ([A-Z][a-z]+)(?: and ([A-Z][a-z]+))?/.exec(text);
  if (weather) {
    const offered = body.tools?.some((t) => t.type === 'function' && t.function.name === 'get_weather') ?? false;
    const choice = body.tool_choice;
    if (!offered || choice === 'none') return { text: words("I can't check the weather from here.") };
    const cities = [weather[1], weather[2]].filter((c): c is string => c !== undefined);
    const calls = cities.map((city) => {
      const args = JSON.stringify({ city, unit: 'celsius' });
      return { id: `call_${++callCounter}_${city.toLowerCase()}`, name: 'get_weather', args: [args.slice(0, 5), args.slice(5, 13), args.slice(13)] };
    });
    return { ...(/please/i.test(text) ? { text: words('Sure, let me check that. One moment.') } : {}), calls };
  }
  const count = /count to (\d+)/.exec(text);
  if (count) return { text: Array.from({ length: Number(count[1]) }, (_, i) => `${i + 1}${i + 1 < Number(count[1]) ? ', ' : '.'}`) };
  const system = messages.find((m) => m.role === 'system');
  return { text: words(`${system ? `[${contentText(system.content)}] ` : ''}You said: ${text}`) };
}

// ---------- audio ----------

/** A tone of `SPEECH_MS_PER_CHAR` per character (at speed 1), as raw 24 kHz PCM16 LE. */
/** The whole body of a request to a fake server. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function fakeSpeech(input: string, speed: number): Buffer {
  const n = Math.round((input.length * SPEECH_MS_PER_CHAR * SPEECH_RATE) / 1000 / speed);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / SPEECH_RATE)), i * 2);
  return out;
}

/** Reads a canonical PCM WAV by hand (independently of src/audio): format, rate, samples. */
function parseWavHeader(file: Buffer): { sampleRate: number; channels: number; bits: number; samples: Int16Array } {
  if (file.length < 44 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: { tag: number; channels: number; sampleRate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= file.length; ) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { tag: file.readUInt16LE(at + 8), channels: file.readUInt16LE(at + 10), sampleRate: file.readUInt32LE(at + 12), bits: file.readUInt16LE(at + 22) };
    if (id === 'data') {
      if (!fmt) throw new Error('data before fmt');
      if (fmt.tag !== 1 || fmt.bits !== 16 || fmt.channels !== 1) throw new Error(`expected 16-bit mono PCM, got tag ${fmt.tag}, ${fmt.bits} bits, ${fmt.channels} channels`);
      if (at + 8 + size !== file.length) throw new Error(`data chunk says ${size} bytes, file has ${file.length - at - 8}`);
      const samples = new Int16Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(at + 8 + i * 2);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bits: fmt.bits, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** Runs of loud samples separated by at least 50 ms of quiet. */
export function countBursts(samples: Int16Array, rate: number): Array<{ startMs: number; endMs: number }> {
  const gap = Math.round(rate * 0.05);
  const out: Array<{ startMs: number; endMs: number }> = [];
  let start = -1;
  let lastLoud = -gap - 1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i] as number) < 1000) continue;
    if (i - lastLoud > gap) {
      if (start >= 0) out.push({ startMs: (start * 1000) / rate, endMs: (lastLoud * 1000) / rate });
      start = i;
    }
    lastLoud = i;
  }
  if (start >= 0) out.push({ startMs: (start * 1000) / rate, endMs: (lastLoud * 1000) / rate });
  return out;
}

/** multipart/form-data (RFC 7578), parsed by hand. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new Error('no boundary in content-type');
  const delimiter = Buffer.from(`--${b}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('no opening boundary');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts; // closing boundary
    if (body.subarray(at, at + 2).toString() !== '\r\n') throw new Error('boundary not followed by CRLF');
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new Error('part without header end');
    const headers = body.subarray(at, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('part without closing boundary');
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) throw new Error('part without a name');
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
    parts.push({ name, ...(filename === undefined ? {} : { filename }), ...(type === undefined ? {} : { contentType: type }), data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}

/** The NetworkProviderError `p` rejects with (fails the test if it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<NetworkProviderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof NetworkProviderError, `expected a NetworkProviderError, got ${inspect(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
