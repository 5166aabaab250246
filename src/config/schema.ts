import { z } from 'zod';
import { NODE_NAME } from '../protocol/ids.js';
import { isRecordingKey } from '../recordings/recording-store.js';

const MiB = 1024 * 1024;

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) || (['0', 'false', 'no', 'off', ''].includes(v.toLowerCase()) ? false : v) : v), z.boolean());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list in the environment, an array in the config file. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item));
const ORIGIN = /^https?:\/\/[^/\s]+$/;
const PORT_RANGE = /^\d{1,5}-\d{1,5}$/;
const ICE_URL = /^(stuns?|turns?):[^\s,]+$/;
/** E.164: `+`, country code, number — how Twilio writes `From` and `To`. */
export const E164 = /^\+[1-9]\d{6,14}$/;
export const E164_RULE = 'expected a phone number in E.164 form, e.g. +14155550100';

/** The whole configuration: one schema gives the type, the defaults and the validation. */
export const ConfigSchema = z.strictObject({
  server: z
    .strictObject({
      port: int(0, 65535).default(3000),
      host: z.string().min(1).default('0.0.0.0'),
      shutdownTimeoutMs: int(0, 600_000).default(10_000),
      /** On SIGTERM, how long live sessions may go on before the agent says goodbye and ends them. */
      drainTimeoutMs: int(0, 3_600_000).default(30_000),
      /** How long after a dropped connection its session may be resumed with `?session_id=`. */
      resumeWindowMs: int(0, 86_400_000).default(600_000),
      trustProxy: bool.default(false),
      apiKey: z.string().min(16, 'use at least 16 characters').optional(),
      tlsCertFile: z.string().min(1).optional(),
      tlsKeyFile: z.string().min(1).optional(),
      /** Signs session tokens; nodes that share sessions must share it. Absent = random per process. */
      tokenSecret: z.string().min(32, 'use at least 32 characters (openssl rand -hex 32)').optional(),
      /** How long a session token may be used to connect. */
      tokenTtlS: int(10, 600).default(60),
      /** Web origins (scheme://host[:port]) allowed to call the API and open WebSockets from a browser, besides Parley's own. `*` = any. */
      corsOrigins: list(z.union([z.literal('*'), z.string().regex(ORIGIN, 'expected an origin such as https://shop.example.com (no path), or *')])).default([]),
    })
    .refine((s) => (s.tlsCertFile === undefined) === (s.tlsKeyFile === undefined), {
      message: 'set both PARLEY_TLS_CERT and PARLEY_TLS_KEY (PEM files) to serve https/wss, or neither',
      path: ['tlsCertFile'],
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      pretty: bool.default(false),
    })
    .prefault({}),
  engine: z
    .strictObject({
      default: z.string().min(1).default('local'),
      /** Model for sessions on the default engine; absent = that engine's own default. */
      model: z.string().min(1).optional(),
    })
    .prefault({}),
  store: z
    .strictObject({
      dataDir: z.string().min(1).default('./data'),
      databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
      /** Folder of session recordings (agents with `recording: true`); default `<dataDir>/recordings`. */
      recordingsDir: z.string().min(1).optional(),
      /** AES-256-GCM key the recordings are encrypted with: 64 hex characters or base64 of 32 bytes. */
      recordingKey: z.string().refine(isRecordingKey, 'expected 32 bytes: 64 hex characters or base64 (openssl rand -hex 32)').optional(),
    })
    .prefault({}),
  agents: z
    .strictObject({
      /** Off: /v1/realtime serves the bare engine (no agents, no server-side tools, no records): a Realtime-compatible model endpoint, e.g. the upstream of another Parley. */
      enabled: bool.default(true),
      dir: z.string().min(1).default('./agents'),
      default: z.string().min(1).default('receptionist'),
    })
    .prefault({}),
  /** WebRTC calls (`POST /v1/realtime/calls`): where media flows. Defaults suit one machine or a LAN. */
  webrtc: z
    .strictObject({
      /** UDP ports for media (`min-max`); absent = any free port. Open this range in the firewall. */
      portRange: z
        .string()
        .regex(PORT_RANGE, { error: 'expected two UDP ports as min-max, e.g. 40000-40999', abort: true })
        .refine((r) => {
          const [min, max] = r.split('-').map(Number) as [number, number];
          return min >= 1024 && max <= 65535 && min < max;
        }, 'expected 1024 ≤ min < max ≤ 65535')
        .optional(),
      /** The address callers reach this server at, announced in place of its own (behind 1:1 NAT, e.g. a cloud VM). */
      publicIp: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' }).optional(),
      /** STUN/TURN servers (`stun:host:port`, `turn:user:secret@host:port?transport=udp`) the server gathers candidates through. */
      iceServers: list(z.string().regex(ICE_URL, 'expected stun:, stuns:, turn: or turns: URLs, e.g. stun:stun.example.com:3478')).default([]),
    })
    .prefault({}),
  /** Phone calls through Twilio Media Streams (`/twilio/*`): on when TWILIO_AUTH_TOKEN is set. */
  twilio: z
    .strictObject({
      /** The URL Twilio reaches this server at (https://host[:port][/prefix]): signatures are over it, TwiML points back to it. */
      publicUrl: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL Twilio reaches this server at, e.g. https://voice.example.com' }).optional(),
      authToken: z.string().min(16, 'expected the 32-character Auth Token from the Twilio console').optional(),
      /** With the Auth Token, lets Parley end and transfer calls through the REST API; without, it does so through TwiML. */
      accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'expected AC followed by 32 hex characters').optional(),
      /** Where the REST API is (the simulator's, for tests and demos); default Twilio's. */
      apiUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** How long the stream token in the TwiML stays valid: Twilio opens the stream within a second or two. */
      streamTokenTtlS: int(5, 600).default(30),
      /** Where `transfer_to_human` sends a caller when the agent names no `phone.transferTo`. */
      transferTo: z.string().regex(E164, E164_RULE).optional(),
    })
    .refine((t) => !t.authToken || t.publicUrl, { message: 'set PUBLIC_URL too: Twilio signs the URL it calls, and the TwiML points its stream back at it', path: ['authToken'] })
    .prefault({}),
  /** Several nodes behind one load balancer: what they share, and how each is named. */
  cluster: z
    .strictObject({
      /** Redis shared by the nodes (session directory, rate limits, admission, cross-node control); absent = one node, in-process. */
      redisUrl: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379').optional(),
      /** This node's name: new session ids carry it (`sess_<node>_…`) so a load balancer can route a reconnect to it. Absent = untagged ids. */
      nodeId: z.string().regex(new RegExp(`^${NODE_NAME}$`), 'expected 1–40 lowercase letters, digits and -, starting with a letter or digit (e.g. parley-1)').optional(),
    })
    .prefault({}),
  /** Prometheus metrics and OpenTelemetry traces. */
  telemetry: z
    .strictObject({
      /** Serve `/metrics` (Prometheus text format). */
      metrics: bool.default(true),
      /** OTLP/HTTP endpoint traces are sent to (`http://collector:4318`); absent = no traces. */
      otlpEndpoint: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318' }).optional(),
    })
    .prefault({}),
  tools: z
    .strictObject({
      timeoutMs: int(100, 600_000).default(10_000),
      fillerAfterMs: int(0, 60_000).default(1500),
    })
    .prefault({}),
  /** USD per million tokens, by model name; `*` applies to models not listed. Config file only. */
  pricing: z
    .record(
      z.string(),
      z.strictObject({
        textInput: z.number().min(0).default(0),
        textCachedInput: z.number().min(0).default(0),
        textOutput: z.number().min(0).default(0),
        audioInput: z.number().min(0).default(0),
        audioCachedInput: z.number().min(0).default(0),
        audioOutput: z.number().min(0).default(0),
      }),
    )
    .default({
      // OpenAI's published gpt-realtime prices; the embedded engine costs nothing per token.
      'gpt-realtime': { textInput: 4, textCachedInput: 0.4, textOutput: 16, audioInput: 32, audioCachedInput: 0.4, audioOutput: 64 },
      'gpt-realtime-mini': { textInput: 0.6, textCachedInput: 0.06, textOutput: 2.4, audioInput: 10, audioCachedInput: 0.3, audioOutput: 20 },
      '*': { textInput: 0, textCachedInput: 0, textOutput: 0, audioInput: 0, audioCachedInput: 0, audioOutput: 0 },
    }),
  limits: z
    .strictObject({
      maxFrameBytes: int(1024, 256 * MiB).default(21 * MiB),
      maxConversationItems: int(1, 100_000).default(1000),
      maxConversationAudioBytes: int(0, 4096 * MiB).default(64 * MiB),
      maxInputBufferBytes: int(1024, 1024 * MiB).default(48 * MiB),
      responsesPerMinute: int(1, 1_000_000).default(120),
      tokensPerMinute: int(1, 1_000_000_000).default(400_000),
      sessionsPerMinutePerIp: int(1, 1_000_000).default(20),
      sessionsPerMinutePerKey: int(1, 1_000_000).default(600),
      concurrentSessionsPerIp: int(1, 1_000_000).default(4),
      concurrentSessionsPerKey: int(1, 1_000_000).default(100),
      messagesPerSecond: int(1, 100_000).default(200),
      /** Sessions this node holds at once, whoever opened them; more are refused at once (503 `server_full`) and /readyz turns unready. */
      maxSessions: int(1, 100_000).default(200),
    })
    .prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;

export interface ConfigKey {
  env: string;
  path: string;
  description: string;
}

/** Every setting, its environment variable and what it means (also the README's reference table). */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { env: 'PORT', path: 'server.port', description: 'TCP port the HTTP/WebSocket server listens on.' },
  { env: 'HOST', path: 'server.host', description: 'Address to listen on (`127.0.0.1` for local only).' },
  { env: 'PARLEY_SHUTDOWN_TIMEOUT_MS', path: 'server.shutdownTimeoutMs', description: 'On SIGTERM/SIGINT, after the drain and the goodbyes (up to 20 s), how long closing may take before the process exits anyway.' },
  { env: 'PARLEY_DRAIN_TIMEOUT_MS', path: 'server.drainTimeoutMs', description: 'On SIGTERM, how long live sessions may go on (no new ones are taken, /readyz is unready) before the agent says goodbye and ends them; records are flushed, then the process exits.' },
  { env: 'PARLEY_RESUME_WINDOW_MS', path: 'server.resumeWindowMs', description: 'How long after a dropped connection a client may resume its session (`/v1/realtime?session_id=…`); the conversation is re-seeded from the record.' },
  { env: 'PARLEY_TRUST_PROXY', path: 'server.trustProxy', description: 'Trust `X-Forwarded-*` headers (behind a reverse proxy / load balancer).' },
  { env: 'PARLEY_API_KEY', path: 'server.apiKey', description: 'One admin key from the environment (at least 16 characters), for deployments and tests; more keys, with scopes, come from `parley keys create`. The admin API always needs an admin key.' },
  { env: 'PARLEY_TLS_CERT', path: 'server.tlsCertFile', description: 'PEM certificate file: with PARLEY_TLS_KEY, Parley serves https:// and wss:// itself (otherwise terminate TLS in a proxy).' },
  { env: 'PARLEY_TLS_KEY', path: 'server.tlsKeyFile', description: 'PEM private key file for PARLEY_TLS_CERT.' },
  { env: 'PARLEY_TOKEN_SECRET', path: 'server.tokenSecret', description: 'Signs the short-lived session tokens `POST /api/session` hands to browsers (at least 32 characters). Nodes behind one load balancer must share it; unset = random per process.' },
  { env: 'PARLEY_TOKEN_TTL_S', path: 'server.tokenTtlS', description: 'How long a session token may be used to connect (or reconnect), in seconds (10–600).' },
  { env: 'PARLEY_CORS_ORIGINS', path: 'server.corsOrigins', description: 'Comma-separated web origins (`https://shop.example.com`) whose pages may call the API and open WebSockets, besides Parley\'s own; `*` allows any. Other origins get 403.' },
  { env: 'LOG_LEVEL', path: 'log.level', description: 'pino log level: fatal, error, warn, info, debug, trace, silent.' },
  { env: 'PARLEY_LOG_PRETTY', path: 'log.pretty', description: 'Human-readable logs (pino-pretty, if installed) instead of JSON lines.' },
  { env: 'PARLEY_ENGINE', path: 'engine.default', description: 'Engine for agents that name none: `local` (embedded, offline; the default), `openai` (the OpenAI Realtime API; the default when OPENAI_API_KEY is set) or `echo` (deterministic text, for protocol testing).' },
  { env: 'PARLEY_MODEL', path: 'engine.model', description: 'Model for sessions on the default engine when neither the client (`?model=`) nor the agent names one; default: the engine\'s own (`parley-local`, `gpt-realtime`).' },
  { env: 'PARLEY_DATA_DIR', path: 'store.dataDir', description: 'Folder of the embedded database (PGlite), created on first start; give each process on one machine its own.' },
  { env: 'DATABASE_URL', path: 'store.databaseUrl', description: 'PostgreSQL connection URL (`postgres://user:pass@host:5432/db`); when set, used instead of the embedded database.' },
  { env: 'PARLEY_RECORDINGS_DIR', path: 'store.recordingsDir', description: 'Folder of session recordings (agents with `recording: true`); default `<PARLEY_DATA_DIR>/recordings`.' },
  { env: 'PARLEY_RECORDING_KEY', path: 'store.recordingKey', description: 'Key the recordings are encrypted with at rest (AES-256-GCM; 64 hex characters, e.g. `openssl rand -hex 32`). Needed when an agent has `recording: true`.' },
  { env: 'PARLEY_AGENTS', path: 'agents.enabled', description: '`off` serves the bare engine on `/v1/realtime`: no agents, no server-side tools, no records or REST API — a Realtime-compatible model endpoint (for example the upstream of another Parley\'s `openai` engine).' },
  { env: 'PARLEY_AGENTS_DIR', path: 'agents.dir', description: 'Folder of agent definitions (`*.yaml`), validated at start-up.' },
  { env: 'PARLEY_DEFAULT_AGENT', path: 'agents.default', description: 'Agent for sessions that name none (`/v1/realtime` without `?agent=`).' },
  { env: 'PARLEY_WEBRTC_PORT_RANGE', path: 'webrtc.portRange', description: 'UDP ports WebRTC media uses, as `min-max` (e.g. `40000-40999`; each call takes one); open them in the firewall. Unset: any free port.' },
  { env: 'PARLEY_WEBRTC_PUBLIC_IP', path: 'webrtc.publicIp', description: 'The address WebRTC callers reach this server at, announced in the SDP answer instead of the local one (a server behind 1:1 NAT, such as a cloud VM, with the port range forwarded).' },
  { env: 'PARLEY_ICE_SERVERS', path: 'webrtc.iceServers', description: 'Comma-separated STUN/TURN URLs the server gathers candidates through (`stun:stun.example.com:3478`, `turn:user:secret@turn.example.com:3478?transport=udp`). Unset: host candidates only.' },
  { env: 'PUBLIC_URL', path: 'twilio.publicUrl', description: 'The URL Twilio reaches this server at (`https://voice.example.com`, a path prefix allowed): Twilio signs the webhook URL with it, and the TwiML sends the media stream back to it (`wss://…/twilio/media-stream`). Set the number\'s voice webhook to `<PUBLIC_URL>/twilio/voice` and its status callback to `<PUBLIC_URL>/twilio/status`.' },
  { env: 'TWILIO_AUTH_TOKEN', path: 'twilio.authToken', description: 'The Twilio account\'s Auth Token: turns phone calls on (`/twilio/*`), and every request from Twilio is checked against it (`X-Twilio-Signature`; 403 otherwise). Needs PUBLIC_URL.' },
  { env: 'TWILIO_ACCOUNT_SID', path: 'twilio.accountSid', description: 'The Twilio Account SID (`AC…`): with it Parley hangs up and transfers calls through the REST API, at once; without it, by ending the media stream and answering with TwiML.' },
  { env: 'PARLEY_TWILIO_API_URL', path: 'twilio.apiUrl', description: 'Base URL of the Twilio REST API; set it to the call simulator\'s (`parley phone`, tests) to try REST hang-up and transfer without Twilio. Default: Twilio\'s.' },
  { env: 'PARLEY_TWILIO_STREAM_TOKEN_TTL_S', path: 'twilio.streamTokenTtlS', description: 'Seconds the single-use stream token in the TwiML stays valid; a stream that does not arrive in time is refused (close 1008) and its session ended.' },
  { env: 'PARLEY_TWILIO_TRANSFER_TO', path: 'twilio.transferTo', description: 'Number (E.164) `transfer_to_human` connects callers to when the agent names no `phone.transferTo`.' },
  { env: 'REDIS_URL', path: 'cluster.redisUrl', description: 'Redis shared by several Parley nodes (`redis://host:6379`): the session directory, rate limits, concurrent-session counts and cross-node control (ending a call held by another node) live there. Unset: one node, all in-process.' },
  { env: 'PARLEY_NODE_ID', path: 'cluster.nodeId', description: 'This node\'s name (`parley-1`): new session ids carry it (`sess_parley-1_…`) so the load balancer can send a reconnect to the node that holds the session (`deploy/nginx/`). Unset: untagged ids (one node).' },
  { env: 'PARLEY_METRICS', path: 'telemetry.metrics', description: 'Serve Prometheus metrics at `/metrics` (`off` to disable). Expose it to your Prometheus only, not to callers (`deploy/nginx/` refuses it).' },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', path: 'telemetry.otlpEndpoint', description: 'OTLP/HTTP collector (`http://collector:4318`): each turn is sent as a trace, its segments (transcript, first output, first audio, tools) as spans. Unset: no traces.' },
  { env: 'PARLEY_TOOL_TIMEOUT_MS', path: 'tools.timeoutMs', description: 'Longest a server-side tool may run before its call is answered with a `tool_timeout` error.' },
  { env: 'PARLEY_TOOL_FILLER_MS', path: 'tools.fillerAfterMs', description: 'When a tool runs longer than this, the agent says a short filler ("One moment, let me check that.").' },
  { env: 'PARLEY_MAX_FRAME_BYTES', path: 'limits.maxFrameBytes', description: 'Largest WebSocket message accepted; larger ones get an `error` event (twice this closes the socket with 1009).' },
  { env: 'PARLEY_MAX_CONVERSATION_ITEMS', path: 'limits.maxConversationItems', description: 'Items one conversation may hold; more is refused with `conversation_max_items_exceeded`.' },
  { env: 'PARLEY_MAX_CONVERSATION_AUDIO_BYTES', path: 'limits.maxConversationAudioBytes', description: 'Audio kept per conversation for retrieve/truncate; the oldest is freed first.' },
  { env: 'PARLEY_MAX_INPUT_BUFFER_BYTES', path: 'limits.maxInputBufferBytes', description: 'Uncommitted input audio one session may buffer; more is refused with `input_audio_buffer_full`.' },
  { env: 'PARLEY_RESPONSES_PER_MINUTE', path: 'limits.responsesPerMinute', description: 'Responses one session may start per minute (reported in `rate_limits.updated`).' },
  { env: 'PARLEY_SESSIONS_PER_MINUTE_PER_IP', path: 'limits.sessionsPerMinutePerIp', description: 'New sessions (and session tokens) per minute per client address, for callers without a key (public agents). Over it: 429 with Retry-After.' },
  { env: 'PARLEY_SESSIONS_PER_MINUTE_PER_KEY', path: 'limits.sessionsPerMinutePerKey', description: 'New sessions (and session tokens) per minute per API key (admin keys are not limited).' },
  { env: 'PARLEY_CONCURRENT_SESSIONS_PER_IP', path: 'limits.concurrentSessionsPerIp', description: 'Sessions open at once per client address, for callers without a key.' },
  { env: 'PARLEY_CONCURRENT_SESSIONS_PER_KEY', path: 'limits.concurrentSessionsPerKey', description: 'Sessions open at once per API key, tokens it minted included (admin keys are not limited).' },
  { env: 'PARLEY_MAX_SESSIONS', path: 'limits.maxSessions', description: 'Sessions this node holds at once (all callers, admins included); when full, new ones are refused at once with 503 `server_full` (phone calls hear an apology) and `/readyz` answers 503 `full`.' },
  { env: 'PARLEY_MESSAGES_PER_SECOND', path: 'limits.messagesPerSecond', description: 'Messages per second one connection (WebSocket or WebRTC data channel) may send on average, with bursts of up to five seconds\' worth; over it the connection closes with 1008 `rate_limited`.' },
  { env: 'PARLEY_TOKENS_PER_MINUTE', path: 'limits.tokensPerMinute', description: 'Token budget per session per minute (reported in `rate_limits.updated`).' },
];

/** The configuration file, if any: `PARLEY_CONFIG` names it; `./parley.config.json` is read when present. */
export const CONFIG_FILE_ENV = 'PARLEY_CONFIG';
export const DEFAULT_CONFIG_FILE = 'parley.config.json';
