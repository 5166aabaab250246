import WebSocket from 'ws';
import type { ClientEvent, ServerEvent } from '../../protocol/schemas/index.js';
import { ConnectionMachine } from '../../state/connection-machine.js';
import { TalkError } from './errors.js';
import { realtimeUrl, refused, requestSession, unreachable, type FetchLike, type Secret, type TalkTarget } from './session-api.js';

/** How the session ended for good. */
export interface ConnectionEnd {
  /** The WebSocket close code (1000: the agent or the server ended it; 0: we closed it). */
  code: number;
  reason: string;
  /** Set when it ended in failure (refused resume, attempts used up, a policy close). */
  error?: TalkError;
}

export interface TalkConnectionOptions {
  target: TalkTarget;
  onEvent: (event: ServerEvent) => void;
  /** Connected; `resumed`: to the same session after a drop. */
  onOpen?: (info: { resumed: boolean; sessionId: string | null }) => void;
  /** The connection dropped; trying again in `delayMs` (attempt `attempt` of `of`). */
  onReconnecting?: (info: { attempt: number; of: number; delayMs: number; why: string }) => void;
  /** Waits before each reconnect attempt, ms (its length is the number of attempts). */
  backoffMs?: readonly number[];
  fetchImpl?: FetchLike;
  now?: () => number;
  /** A silent connection is probed this often and given up after twice that (ms). */
  pingMs?: number;
}

/** A credential to open `/v1/realtime` with, and the query that goes with it. */
interface Credential {
  query: Record<string, string>;
  protocols: string[];
  headers: Record<string, string>;
}

const DEFAULT_BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
/** A token this close to its expiry is not worth trying: ask for a fresh one. */
const TOKEN_MARGIN_MS = 5000;
const HANDSHAKE_TIMEOUT_MS = 15_000;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * One conversation's connection to Parley's `/v1/realtime`, kept up across drops.
 *
 * It asks `POST /api/session` for a session token and connects with it (the browser way: the
 * `openai-insecure-api-key.<token>` subprotocol). When the connection drops it reconnects with
 * backoff to the same session — with the token while it is valid, otherwise with a new one for
 * that session id — and the server re-seeds the conversation. Agents on the OpenAI engine hand
 * out WebRTC-only keys; with an API key the client connects with the key instead
 * (`?agent=`, then `?session_id=` to resume). A generation counter drops events from a socket
 * that is no longer the current one.
 */
export class TalkConnection {
  readonly machine = new ConnectionMachine('talk');
  readonly ended: Promise<ConnectionEnd>;
  private resolveEnded!: (end: ConnectionEnd) => void;
  private ws: WebSocket | null = null;
  private generation = 0;
  private sessionId: string | null = null;
  private token: Secret | null = null;
  private mode: 'token' | 'key' = 'token';
  private finished = false;
  private readonly stop = new AbortController();
  private readonly now: () => number;

  constructor(private readonly opts: TalkConnectionOptions) {
    this.now = opts.now ?? Date.now;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** The Parley session id (known after the first connect). */
  get session(): string | null {
    return this.sessionId;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.machine.state === 'open';
  }

  /** The first connection: a refusal here is the user's to fix, so it throws (no retry). */
  async open(): Promise<void> {
    const { target } = this.opts;
    const issued = await requestSession(target, {}, this.opts.fetchImpl);
    if (issued.connect.mode === 'direct') {
      if (!target.key) {
        throw new TalkError(
          'direct_only',
          `Agent '${issued.agent}' runs on the '${issued.engine}' engine, whose session keys work only for WebRTC straight to the provider; the terminal client speaks WebSocket through Parley. Talk to an agent on a Parley engine (e.g. local), or pass an API key with --key so the client can connect through Parley's own /v1/realtime.`,
        );
      }
      this.mode = 'key';
    } else {
      this.sessionId = issued.sessionId;
      this.token = issued.sessionToken;
    }
    await this.connect(this.mode === 'key' ? this.keyCredential() : this.tokenCredential(issued.clientSecret.value), false);
  }

  /** Sends when connected; what is sent while reconnecting is dropped (audio has moved on by then). */
  send(event: ClientEvent): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(JSON.stringify(event));
    return true;
  }

  /** Ends the conversation from this side. */
  close(reason = 'closed by the caller'): void {
    this.stop.abort();
    const ws = this.ws;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.close(1000, reason);
    this.finish({ code: 0, reason });
  }

  private tokenCredential(value: string): Credential {
    return { query: {}, protocols: ['realtime', `openai-insecure-api-key.${value}`], headers: {} };
  }

  private keyCredential(): Credential {
    const { target } = this.opts;
    const query: Record<string, string> = {};
    if (this.sessionId) query.session_id = this.sessionId;
    else if (target.agent) query.agent = target.agent;
    if (target.callerId) query.caller_id = target.callerId;
    return { query, protocols: ['realtime'], headers: { authorization: `Bearer ${target.key!}` } };
  }

  /** What to resume with: the token while it is good, else a new one for the same session. */
  private async resumeCredential(): Promise<Credential> {
    if (this.mode === 'key') return this.keyCredential();
    if (!this.token || this.token.expiresAt * 1000 - this.now() < TOKEN_MARGIN_MS) {
      this.token = (await requestSession(this.opts.target, { sessionId: this.sessionId! }, this.opts.fetchImpl)).sessionToken;
    }
    return this.tokenCredential(this.token.value);
  }

  private connect(cred: Credential, resumed: boolean): Promise<void> {
    const url = realtimeUrl(this.opts.target.url);
    for (const [k, v] of Object.entries(cred.query)) url.searchParams.set(k, v);
    const gen = ++this.generation;
    const ws = new WebSocket(url, cred.protocols, { headers: cred.headers, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => reject(refused('The server refused the connection', res.statusCode ?? 0, body, this.opts.target)));
        res.on('error', () => reject(refused('The server refused the connection', res.statusCode ?? 0, body, this.opts.target)));
      });
      ws.on('error', (err) => {
        if (!opened) reject(unreachable(this.opts.target.url, err));
      });
      ws.once('open', () => {
        opened = true;
        if (gen !== this.generation || this.finished) return void ws.close(1000, 'superseded');
        this.machine.send('opened');
        this.keepAlive(ws, gen);
        this.opts.onOpen?.({ resumed, sessionId: this.sessionId });
        resolve();
      });
      ws.on('message', (data) => {
        if (gen !== this.generation) return;
        let event: ServerEvent;
        try {
          event = JSON.parse(String(data)) as ServerEvent;
        } catch {
          return;
        }
        if (event.type === 'session.created' && event.session.id) this.sessionId = event.session.id;
        this.opts.onEvent(event);
      });
      ws.once('close', (code, reason) => {
        if (gen !== this.generation || !opened || this.finished) return;
        void this.closed(code, reason.toString('utf8'));
      });
    });
  }

  /** A ping now and then: a path that died without a close is noticed and reconnected. */
  private keepAlive(ws: WebSocket, gen: number): void {
    const every = this.opts.pingMs ?? 10_000;
    let answered = true;
    ws.on('pong', () => (answered = true));
    const t = setInterval(() => {
      if (gen !== this.generation || ws.readyState !== WebSocket.OPEN) return void clearInterval(t);
      if (!answered) {
        clearInterval(t);
        ws.terminate();
        return;
      }
      answered = false;
      ws.ping();
    }, every);
    t.unref();
    ws.once('close', () => clearInterval(t));
  }

  private async closed(code: number, reason: string): Promise<void> {
    // 1000: the session is over (the agent said goodbye, hit a limit, or another connection took it over).
    if (code === 1000) return this.finish({ code, reason });
    // 1008: a policy close (flooding): reconnecting would only repeat it.
    if (code === 1008) return this.finish({ code, reason, error: new TalkError('closed_by_server', `The server closed the connection: ${reason || 'policy violation'}.`) });
    this.machine.send('lost');
    const why = code === 1001 ? `the server is going away${reason ? ` (${reason})` : ''}` : code === 1006 ? 'the connection dropped' : `closed with ${code}${reason ? ` (${reason})` : ''}`;
    await this.reconnect(why);
  }

  private async reconnect(why: string): Promise<void> {
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    let last: TalkError | null = null;
    for (let i = 0; i < backoff.length && !this.finished; i++) {
      // ±20 % jitter: clients dropped together (a server restart) do not all come back at once.
      const delayMs = Math.round(backoff[i]! * (0.8 + 0.4 * Math.random()));
      this.opts.onReconnecting?.({ attempt: i + 1, of: backoff.length, delayMs, why: last ? last.message.split('\n')[0]! : why });
      await sleep(delayMs, this.stop.signal);
      if (this.finished) return;
      try {
        await this.connect(await this.resumeCredential(), true);
        return;
      } catch (err) {
        last = err instanceof TalkError ? err : new TalkError('reconnect_failed', (err as Error).message);
        // A definite no (the session ended, the key was revoked) will not change with waiting.
        if (last.status !== undefined && last.status >= 400 && last.status < 500 && last.status !== 408 && last.status !== 429) break;
      }
    }
    if (this.finished) return;
    const session = this.sessionId ? ` session ${this.sessionId}` : ' the session';
    this.finish({
      code: 1006,
      reason: why,
      error: new TalkError(last?.code ?? 'connection_lost', `Lost the connection to Parley (${why}) and could not resume${session}: ${last ? last.message : 'gave up'}`, last?.status),
    });
  }

  private finish(end: ConnectionEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.stop.abort();
    this.machine.trySend('close');
    this.machine.trySend('closed');
    this.resolveEnded(end);
  }
}
