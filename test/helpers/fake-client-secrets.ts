/**
 * A small stand-in for OpenAI's `POST /v1/realtime/client_secrets` (the GA ephemeral keys of
 * ../shared/docs/openai-realtime-protocol.md §1.5), for tests of the `openai` engine's direct
 * mode. It checks what OpenAI checks — the `Authorization: Bearer <API key>` header, the
 * `expires_after` (anchor `created_at`, 10–7200 s) and a `type: "realtime"` session without
 * unknown parameters — and answers as documented: a random `ek_…` key, `expires_at` = now +
 * seconds, and the effective session (what was asked, OpenAI's defaults for the rest,
 * `object: "realtime.session"`, a fresh `sess_…` id). Every request is recorded with its answer.
 *
 * The answer is typed with the SDK's `ClientSecretCreateResponse`, so a change of the documented
 * shape in the `openai` package fails the typecheck here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientSecretCreateParams, ClientSecretCreateResponse, RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import { readBody } from './fake-openai-http.js';
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';

export const CLIENT_SECRETS_PATH = '/v1/realtime/client_secrets';

export interface ClientSecretRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: (ClientSecretCreateParams & Record<string, unknown>) | undefined;
  status: number;
  /** The body of the answer, as sent. */
  responseText: string;
  /** The key minted, on a 200. */
  answer?: ClientSecretCreateResponse;
}

/** The GA voices (protocol reference §2.1). */
const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];

/** The parameters a GA `realtime` session may carry (the SDK's `RealtimeSessionCreateRequest`). */
const SESSION_KEYS = ['type', 'audio', 'include', 'instructions', 'max_output_tokens', 'model', 'output_modalities', 'parallel_tool_calls', 'prompt', 'reasoning', 'tool_choice', 'tools', 'tracing', 'truncation'];
const AUDIO_KEYS = ['input', 'output'];
const AUDIO_INPUT_KEYS = ['format', 'noise_reduction', 'transcription', 'turn_detection'];
const AUDIO_OUTPUT_KEYS = ['format', 'speed', 'voice'];

const DEFAULT_FORMAT = { type: 'audio/pcm', rate: 24000 } as const;
const DEFAULT_VAD = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true } as const;

class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refuses keys of `obj` that are not in `known`, as OpenAI does ("Unknown parameter: 'session.foo'."). */
function onlyKnown(obj: Record<string, unknown>, known: string[], prefix: string): void {
  const unknown = Object.keys(obj).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new RequestError(`Unknown parameter: '${prefix}${unknown}'.`, 'unknown_parameter', `${prefix}${unknown}`);
}

export class FakeClientSecrets {
  readonly requests: ClientSecretRequest[] = [];
  private readonly failures: Array<{ status: number; message: string; code: string | null }> = [];

  private constructor(
    private readonly server: Server,
    /** The API root, as OPENAI_BASE_URL: `http://127.0.0.1:<port>/v1`. */
    readonly baseUrl: string,
    /** The only key it accepts. */
    readonly apiKey: string,
  ) {}

  static async start(opts: { apiKey: string }): Promise<FakeClientSecrets> {
    let fake: FakeClientSecrets | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeClientSecrets(server, `http://127.0.0.1:${port}/v1`, opts.apiKey);
    return fake;
  }

  /** The next authorized request fails with this status and an OpenAI-shaped error. */
  failNext(status: number, message: string, code: string | null = null): void {
    this.failures.push({ status, message, code });
  }

  /** The keys minted so far, oldest first. */
  get issued(): ClientSecretCreateResponse[] {
    return this.requests.flatMap((r) => (r.answer ? [r.answer] : []));
  }

  last(): ClientSecretRequest {
    const r = this.requests.at(-1);
    if (!r) throw new Error('no request to the fake client_secrets endpoint');
    return r;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = (await readBody(req)).toString('utf8');
    const rec: ClientSecretRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body: undefined, status: 0, responseText: '' };
    this.requests.push(rec);
    const send = (status: number, body: unknown): void => {
      rec.status = status;
      rec.responseText = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(rec.responseText);
    };
    const fail = (status: number, message: string, type: string, code: string | null, param: string | null = null): void => send(status, { error: { message, type, param, code } });

    if (rec.path !== CLIENT_SECRETS_PATH) return fail(404, `Invalid URL (${rec.method} ${rec.path})`, 'invalid_request_error', null);
    if (rec.method !== 'POST') return fail(405, `Method ${rec.method} not allowed`, 'invalid_request_error', null);
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}`) {
      // OpenAI quotes the key it was given (masked); this fake quotes it whole, so a client that
      // passes the upstream's message on would leak it.
      const given = auth.replace(/^Bearer /, '');
      return fail(401, given ? `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.` : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', 'invalid_api_key');
    }
    const failure = this.failures.shift();
    if (failure) return fail(failure.status, failure.message, failure.status >= 500 ? 'server_error' : 'invalid_request_error', failure.code);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(400, 'Expected a JSON body (Content-Type: application/json).', 'invalid_request_error', null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    if (!isObject(parsed)) return fail(400, 'The body must be a JSON object.', 'invalid_request_error', null);
    rec.body = parsed as ClientSecretRequest['body'];
    try {
      const answer = this.mint(parsed);
      rec.answer = answer;
      send(200, answer);
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      fail(400, err.message, 'invalid_request_error', err.code, err.param);
    }
  }

  /** Checks the request as documented and mints the key. */
  private mint(body: Record<string, unknown>): ClientSecretCreateResponse {
    onlyKnown(body, ['expires_after', 'session'], '');
    let seconds = 600;
    if (body.expires_after !== undefined) {
      const ea = body.expires_after;
      if (!isObject(ea)) throw new RequestError("Invalid type for 'expires_after': expected an object.", 'invalid_type', 'expires_after');
      onlyKnown(ea, ['anchor', 'seconds'], 'expires_after.');
      if (ea.anchor !== 'created_at') throw new RequestError(`Invalid value: '${String(ea.anchor)}'. Supported values are: 'created_at'.`, 'invalid_value', 'expires_after.anchor');
      if (ea.seconds !== undefined) {
        if (typeof ea.seconds !== 'number' || !Number.isInteger(ea.seconds)) throw new RequestError("Invalid type for 'expires_after.seconds': expected an integer.", 'invalid_type', 'expires_after.seconds');
        if (ea.seconds < 10) throw new RequestError(`Invalid 'expires_after.seconds': integer below minimum value. Expected a value >= 10, but got ${ea.seconds} instead.`, 'integer_below_min_value', 'expires_after.seconds');
        if (ea.seconds > 7200) throw new RequestError(`Invalid 'expires_after.seconds': integer above maximum value. Expected a value <= 7200, but got ${ea.seconds} instead.`, 'integer_above_max_value', 'expires_after.seconds');
        seconds = ea.seconds;
      }
    }
    const asked = body.session === undefined ? { type: 'realtime' } : body.session;
    if (!isObject(asked)) throw new RequestError("Invalid type for 'session': expected an object.", 'invalid_type', 'session');
    if (asked.type === undefined) throw new RequestError("Missing required parameter: 'session.type'.", 'missing_required_parameter', 'session.type');
    if (asked.type !== 'realtime') throw new RequestError(`Invalid value: '${String(asked.type)}'. This fake supports only 'realtime' sessions.`, 'invalid_value', 'session.type');
    onlyKnown(asked, SESSION_KEYS, 'session.');
    if (asked.audio !== undefined) {
      if (!isObject(asked.audio)) throw new RequestError("Invalid type for 'session.audio': expected an object.", 'invalid_type', 'session.audio');
      onlyKnown(asked.audio, AUDIO_KEYS, 'session.audio.');
      if (asked.audio.input !== undefined) onlyKnown(isObject(asked.audio.input) ? asked.audio.input : {}, AUDIO_INPUT_KEYS, 'session.audio.input.');
      if (asked.audio.output !== undefined) {
        const output = isObject(asked.audio.output) ? asked.audio.output : {};
        onlyKnown(output, AUDIO_OUTPUT_KEYS, 'session.audio.output.');
        if (typeof output.voice === 'string' && !VOICES.includes(output.voice)) {
          throw new RequestError(`Invalid value: '${output.voice}'. Supported values are: ${VOICES.map((v) => `'${v}'`).join(', ')}.`, 'invalid_value', 'session.audio.output.voice');
        }
      }
    }
    if (asked.tools !== undefined && (!Array.isArray(asked.tools) || asked.tools.some((t) => !isObject(t) || t.type !== 'function' || typeof t.name !== 'string'))) {
      throw new RequestError("Invalid 'session.tools': expected an array of function tools with a name.", 'invalid_value', 'session.tools');
    }
    return { value: `ek_${randomBytes(16).toString('hex')}`, expires_at: Math.floor(Date.now() / 1000) + seconds, session: effectiveSession(asked as unknown as RealtimeSessionCreateRequest) };
  }
}

/** What was asked, OpenAI's defaults for the rest. */
function effectiveSession(asked: RealtimeSessionCreateRequest): RealtimeSessionCreateResponse {
  const input = asked.audio?.input;
  const output = asked.audio?.output;
  return {
    id: `sess_${randomBytes(12).toString('hex')}`,
    object: 'realtime.session',
    type: 'realtime',
    model: asked.model ?? 'gpt-realtime',
    output_modalities: asked.output_modalities ?? ['audio'],
    instructions: asked.instructions ?? '',
    audio: {
      input: {
        format: input?.format ?? DEFAULT_FORMAT,
        ...(input?.noise_reduction ? { noise_reduction: input.noise_reduction } : {}),
        ...(input?.transcription ? { transcription: input.transcription } : {}),
        turn_detection: (input?.turn_detection === undefined ? DEFAULT_VAD : input.turn_detection) as NonNullable<RealtimeSessionCreateResponse.Audio['input']>['turn_detection'],
      },
      output: { format: output?.format ?? DEFAULT_FORMAT, voice: typeof output?.voice === 'string' ? output.voice : 'alloy', speed: output?.speed ?? 1 },
    },
    tools: (asked.tools ?? []) as RealtimeSessionCreateResponse['tools'],
    tool_choice: (asked.tool_choice ?? 'auto') as RealtimeSessionCreateResponse['tool_choice'],
    max_output_tokens: asked.max_output_tokens ?? 'inf',
    tracing: null,
    truncation: asked.truncation ?? 'auto',
    prompt: null,
    expires_at: 0,
  };
}
