import type { Logger } from 'pino';
import { serverEvent } from '../../conversation/events.js';
import { newId } from '../../protocol/ids.js';
import {
  parseServerEvent,
  type ClientEvent,
  type ClientEventOf,
  type Item,
  type ResponseCreateParams,
  type ResponseObject,
  type ServerEvent,
  type SessionConfig,
  type SessionUpdate,
} from '../../protocol/schemas/index.js';
import { ConnectionMachine } from '../../state/connection-machine.js';
import type { Engine, EngineCloseListener, EngineContext, ServerEventListener } from '../engine.js';
import { EngineListeners } from '../engine-listeners.js';
import { BoundedSet } from './bounded-set.js';
import { ClientQueue } from './client-queue.js';
import { realtimeUrl, sidebandUrl, upstreamHeaders, type OpenAIEngineConfig } from './config.js';
import { ConversationLog } from './conversation-log.js';
import { OpenAIEngineError } from './errors.js';
import { hangUpCall } from './hangup.js';
import { mergeHistory } from './history-merge.js';
import { PendingItems } from './pending-items.js';
import { Reconnector } from './reconnect/reconnector.js';
import { planReseed, type ItemCreateEvent } from './reseed.js';
import { ResponseTracker } from './response-tracker.js';
import { Rollover } from './rollover.js';
import { seedUpstream } from './seed-upstream.js';
import { mergeSessionUpdate, parseEffectiveSession, sessionUpdateFrom } from './session-update.js';
import { describeClose, UpstreamSocket, type UpstreamCloseInfo, type UpstreamEvent } from './upstream-socket.js';

/** Codes of the events the engine itself sends to the caller. */
export const OpenAIEngineEventCode = {
  reconnecting: 'upstream_reconnecting',
  unavailable: 'upstream_unavailable',
  rollover: 'upstream_rollover',
  queueFull: 'upstream_queue_full',
  engineError: 'engine_error',
} as const;

/** A request, item or transcription unanswered this long is taken as lost or refused. */
const STALE_AFTER_MS = 10_000;
/** Events held until `start()` (the caller's `session.created` must come first). */
const MAX_EARLY_EVENTS = 1000;

type ErrorBody = { type?: string; code?: string | null; message?: string; param?: string | null; event_id?: string | null };

interface Prepared {
  sock: UpstreamSocket;
  created: UpstreamEvent;
  /** The log's position when the history was taken: what completed after it is caught up at the switch. */
  snapshotSeq: number;
  seededIds: Set<string>;
  seededCallIds: Set<string>;
  /** The session as sent, to notice a change made while preparing. */
  sessionJson: string;
}

interface Outage {
  since: number;
  droppedAudioEvents: number;
  droppedAudioBytes: number;
}

/**
 * The `openai` engine: a GA WebSocket client of the OpenAI Realtime API. The caller sees one
 * continuous session under Parley's session id while the engine keeps an upstream under it:
 *
 * - set-up: the agent's session goes up as `session.update` before the engine is handed out;
 * - passing on: upstream events go to the caller unchanged (unknown types too), except the
 *   upstream's `session.created` and the echoes of the engine's own re-applications;
 * - reconnecting: after an unexpected close (or a `server_error`) the caller is told, running
 *   responses end as `failed`, and with backoff a new upstream gets the current session and the
 *   conversation (the session's `history`, gaps filled from what this engine saw); then the failed answer
 *   is asked for again and held client events are replayed. Caller audio sent meanwhile is
 *   dropped (it can't be heard late); tools are never run here, and a call made before the drop
 *   is re-seeded with its output, never emitted again;
 * - rolling over: before OpenAI's 60-minute limit the session moves to a prepared upstream at a
 *   quiet moment, unseen by the caller.
 *
 * Attached to a call (`ctx.call`: a WebRTC or SIP call the caller holds with OpenAI directly) the
 * engine is the call's sideband (`?call_id=`): the agent's session goes up the same way and tools
 * run here, but the caller's audio never passes through (it goes on the call's media path), a
 * reconnect re-attaches without re-seeding (the conversation lives in the call; re-creating it
 * would duplicate it) and without asking again for an answer the call kept producing, there is
 * no rollover (the call's own limit ends it), an end of the call ends the engine, and an end
 * Parley chooses (a goodbye, a limit) hangs the call up.
 */
export class OpenAIEngine implements Engine {
  readonly name = 'openai';
  readonly connection = new ConnectionMachine('openai-upstream');
  private readonly log: Logger;
  private readonly sessionId: string;
  private generations = 0;
  private active: UpstreamSocket | null = null;
  private activeGen = 0;
  /** A socket being opened by a reconnect attempt. */
  private connecting: UpstreamSocket | null = null;
  /** The session as the upstream last confirmed it (under our id). */
  private confirmed: SessionConfig;
  /** `session.update`s sent on the active upstream and not answered yet, in order. */
  private updatesInFlight: { own: boolean; eventId: string | undefined; update: SessionUpdate | null }[] = [];
  private started = false;
  private early: ServerEvent[] = [];
  private closed = false;
  private readonly out = new EngineListeners();
  private readonly responses: ResponseTracker;
  private readonly conversation: ConversationLog;
  private readonly pendingItems = new PendingItems(STALE_AFTER_MS);
  private readonly queue: ClientQueue;
  /** Item ids the engine re-created on the active upstream: their item events are echoes. */
  private readonly suppressed = new BoundedSet(4096);
  /** Event ids of what the engine itself sent: errors about them are logged, not passed on. */
  private readonly ownEventIds = new BoundedSet(4096);
  /** Output items of responses that failed with a connection: partial, never re-seeded. */
  private readonly excluded = new BoundedSet(1024);
  /** Items deleted on the upstream: not re-created from a record that still holds them. */
  private readonly deleted = new BoundedSet(4096);
  private reAsks: (ResponseCreateParams | undefined)[] = [];
  private outage: Outage | null = null;
  /** The call this engine is the sideband of; undefined = a session of its own. */
  private readonly call: { id: string } | undefined;
  /** The call is known to be over: nothing to hang up, nothing to re-attach to. */
  private callGone = false;
  private readonly reconnector: Reconnector;
  private readonly rollover: Rollover<Prepared>;

  private constructor(
    private readonly ctx: EngineContext,
    private readonly config: OpenAIEngineConfig,
  ) {
    this.sessionId = ctx.session.id;
    this.call = ctx.call;
    this.confirmed = ctx.session;
    this.log = ctx.logger.child({ engine: 'openai' });
    this.conversation = new ConversationLog(ctx.limits.maxConversationItems);
    this.queue = new ClientQueue(config.maxQueuedEvents, config.maxQueuedBytes);
    this.responses = new ResponseTracker({ staleAfterMs: STALE_AFTER_MS, transcriptionOn: () => Boolean(this.current().audio.input.transcription) });
    this.reconnector = new Reconnector(config.reconnect, {
      attempt: (n) => this.reconnectAttempt(n),
      giveUp: (last, attempts) => this.giveUp(last, attempts),
      logger: this.log,
    });
    this.rollover = new Rollover<Prepared>(
      {
        afterMs: config.rolloverAfterMs,
        graceMs: config.rolloverGraceMs,
        retryMs: Math.max(config.reconnect.initialDelayMs, Math.min(30_000, Math.floor(config.rolloverGraceMs / 6))),
      },
      {
        isQuiet: () => this.isQuiet(),
        prepare: () => this.prepareRollover(),
        commit: (p, forced) => this.commitRollover(p, forced),
        discard: (p) => p.sock.close(1000, 'not needed'),
        logger: this.log,
      },
    );
  }

  /** Opens the upstream and applies the agent's session; resolves when the upstream confirmed it. */
  static async connect(ctx: EngineContext, config: OpenAIEngineConfig): Promise<OpenAIEngine> {
    const engine = new OpenAIEngine(ctx, config);
    const sock = engine.newSocket();
    try {
      const created = await sock.open();
      const seeded = await seedUpstream(sock, { sessionUpdate: engine.ownSessionUpdate(), items: [], timeoutMs: config.seedTimeoutMs, logger: engine.log, strictSession: true });
      if (seeded.session) engine.confirmed = { ...seeded.session, id: engine.sessionId };
      engine.activate(sock, created);
      return engine;
    } catch (err) {
      sock.close(1000, 'set-up failed');
      engine.closed = true;
      throw err;
    }
  }

  // ---- Engine ----

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.deliver(serverEvent('session.created', { session: { ...this.confirmed, id: this.sessionId } }));
    for (const e of this.early.splice(0)) this.deliver(e);
  }

  send(event: ClientEvent): void {
    if (this.closed) return;
    // A call's audio reaches the model on the call's own media path; a sideband has none to add.
    if (this.call && event.type === 'input_audio_buffer.append') return;
    try {
      // The hot path: audio straight through.
      if (event.type === 'input_audio_buffer.append' && this.active?.isOpen && this.connection.state === 'open') return void this.active.send(event);
      this.forward(this.withItemId(event));
    } catch (err) {
      this.log.error({ err, type: event.type }, 'openai engine failed to handle a client event');
      this.emit(this.errorEvent(OpenAIEngineEventCode.engineError, 'The server failed to pass this event on; it was not applied. Retry it, or report the problem if it persists.', event.event_id));
    }
  }

  onEvent(listener: ServerEventListener): () => void {
    return this.out.onEvent(listener);
  }

  onClose(listener: EngineCloseListener): () => void {
    return this.out.onClose(listener);
  }

  async close(reason = 'closed'): Promise<void> {
    await this.shutdown(reason);
  }

  // ---- Upstream → caller ----

  private fromUpstream(gen: number, raw: UpstreamEvent): void {
    if (this.closed || gen !== this.activeGen) return;
    switch (raw.type) {
      case 'error':
        return this.upstreamError(gen, raw);
      case 'session.created':
        // The caller had its session.created from start(), under our id.
        return;
      case 'session.updated':
        return this.sessionUpdated(raw);
      case 'conversation.item.added':
      case 'conversation.item.done':
      case 'conversation.item.created': {
        const id = (raw.item as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string' && this.suppressed.has(id)) {
          if (raw.type !== 'conversation.item.added') this.suppressed.delete(id);
          return;
        }
        break;
      }
      default:
    }
    const parsed = parseServerEvent(raw);
    if (parsed.known) {
      if (parsed.event.type === 'conversation.item.deleted') this.deleted.add(parsed.event.item_id);
      this.responses.observe(parsed.event);
      this.conversation.observe(parsed.event);
      this.pendingItems.observe(parsed.event);
    } else if (parsed.issues) {
      this.log.warn({ type: raw.type, issue: parsed.issues[0]?.message, path: parsed.issues[0]?.path }, 'upstream event does not match its GA schema; passed on as received');
    }
    this.emit(parsed.event as ServerEvent);
    this.rollover.quietMoment();
  }

  private upstreamError(gen: number, raw: UpstreamEvent): void {
    const err = (raw.error ?? {}) as ErrorBody;
    // A call's session expiring is the call ending: a new sideband would find no call.
    if (this.call && err.code === 'session_expired') return this.callEnded(gen, `the call reached its time limit (${err.message ?? 'session_expired'})`);
    // A server error or an expired session: this upstream can't be trusted to go on; a fresh one can.
    if (err.type === 'server_error' || err.code === 'session_expired') {
      return this.lost(gen, `upstream ${err.code ?? err.type}: ${err.message ?? 'no message'}`);
    }
    this.responses.refused(err.event_id, err.code);
    this.pendingItems.refused(err.event_id);
    // A refused session.update gets no session.updated: take it out of the queue of answers due.
    // Without an event_id, the error's param (session.…) says which kind of event it was.
    const i = err.event_id
      ? this.updatesInFlight.findIndex((u) => u.eventId === err.event_id)
      : err.param?.startsWith('session') ? this.updatesInFlight.findIndex((u) => !u.own && u.eventId === undefined) : -1;
    if (i >= 0) this.updatesInFlight.splice(i, 1);
    if (err.event_id && this.ownEventIds.has(err.event_id)) {
      return void this.log.warn({ code: err.code, param: err.param, upstream_message: err.message }, 'the upstream refused an event the engine sent on its own');
    }
    const parsed = parseServerEvent(raw);
    this.emit(parsed.event as ServerEvent);
  }

  private sessionUpdated(raw: UpstreamEvent): void {
    const head = this.updatesInFlight.shift();
    const effective = parseEffectiveSession(raw.session);
    if (effective) this.confirmed = { ...effective, id: this.sessionId };
    else if (head?.update) this.confirmed = mergeSessionUpdate(this.confirmed, head.update) ?? this.confirmed;
    // The answer to the engine's own re-application: the caller asked for nothing.
    if (head?.own) return;
    const session = { ...(raw.session as object), id: this.sessionId };
    const parsed = parseServerEvent({ ...raw, session });
    this.emit(parsed.event as ServerEvent);
    this.rollover.quietMoment();
  }

  // ---- Caller → upstream ----

  /** Items get their id here, so one the upstream never confirmed can be sent again as the same item. */
  private withItemId(event: ClientEvent): ClientEvent {
    if (event.type !== 'conversation.item.create' || event.item.id) return event;
    return { ...event, item: { ...event.item, id: newId('item') } } as ClientEvent;
  }

  private forward(event: ClientEvent): void {
    if (event.type === 'conversation.item.truncate' && this.excluded.has(event.item_id)) {
      // Cutting the audio of an answer that failed with its connection: it is in no upstream's conversation any more.
      return void this.log.debug({ item_id: event.item_id }, 'truncate of a failed response’s item dropped');
    }
    const sock = this.active;
    if (!sock?.isOpen || this.connection.state !== 'open') return this.hold(event);
    switch (event.type) {
      case 'session.update':
        this.updatesInFlight.push({ own: false, eventId: event.event_id, update: event.session });
        break;
      case 'response.create':
        this.responses.requestedBy(event.response, event.event_id);
        break;
      case 'conversation.item.create':
        this.pendingItems.add(event as ItemCreateEvent & { item: { id: string } });
        break;
      default:
    }
    sock.send(event);
  }

  /** No upstream: audio is dropped, other events wait (bounded) for the next upstream. */
  private hold(event: ClientEvent): void {
    if (event.type === 'input_audio_buffer.append') {
      if (this.outage) {
        this.outage.droppedAudioEvents++;
        this.outage.droppedAudioBytes += Math.floor((event.audio.length * 3) / 4);
      }
      return;
    }
    if (event.type === 'response.cancel' && this.reAsks.length > 0) {
      // The answer the caller cancels already ended (failed); don't ask for it again.
      this.reAsks = [];
      return;
    }
    if (!this.queue.push(event)) {
      this.emit(
        this.errorEvent(
          OpenAIEngineEventCode.queueFull,
          `The connection to the model is being restored and ${this.queue.length} events are already waiting; this ${event.type} was dropped. Send it again once responses flow.`,
          event.event_id,
        ),
      );
    }
  }

  // ---- Losing and restoring the upstream ----

  private lost(gen: number, cause: string): void {
    if (this.closed || gen !== this.activeGen || !this.active) return;
    const sock = this.active;
    this.active = null;
    this.activeGen = 0;
    sock.close(1000, 'reconnecting');
    this.rollover.disarm();
    this.connection.trySend('lost');
    // Updates the dead upstream never answered count as applied: the caller sent them.
    this.confirmed = this.current(false);
    this.updatesInFlight = [];
    this.outage = { since: Date.now(), droppedAudioEvents: 0, droppedAudioBytes: 0 };
    this.reconnector.start(new Error(cause));
    this.log.warn({ cause }, 'upstream connection lost; reconnecting');
    this.emit(
      this.errorEvent(
        OpenAIEngineEventCode.reconnecting,
        this.call
          ? `The sideband connection to call ${this.call.id} was lost (${cause}); re-attaching. The call itself goes on; what it says until then is not seen here.`
          : `The connection to the OpenAI Realtime API was lost (${cause}); reconnecting. The conversation will resume where it left off; audio sent until then is not heard, and an answer that was cut off will be asked for again.`,
        undefined,
      ),
    );
    this.failInFlight(
      OpenAIEngineEventCode.reconnecting,
      this.call ? 'The sideband connection to the call was lost during this response; the call may still finish it.' : 'The connection to the model was lost during this response; it will be asked for again once the connection is back.',
    );
  }

  /** The upstream closed on its own. A sideband closed normally means the call is over; anything else is a connection lost. */
  private upstreamClosed(gen: number, info: UpstreamCloseInfo): void {
    if (this.call && info.code === 1000) return this.callEnded(gen, `its server closed the sideband, ${describeClose(info)}`);
    this.lost(gen, `connection closed, ${describeClose(info)}`);
  }

  /** The call is over (the caller hung up, it was hung up elsewhere, it expired): the engine ends with it, cleanly. */
  private callEnded(gen: number | null, why: string): void {
    if (this.closed || (gen !== null && gen !== this.activeGen)) return;
    this.callGone = true;
    const reason = `call ended: ${why}`;
    this.log.info({ call_id: this.call?.id, reason }, 'the call ended; the engine closes');
    void this.shutdown('call ended', { code: 'session_completed', reason });
  }

  private async reconnectAttempt(attempt: number): Promise<void> {
    const sock = this.newSocket();
    this.connecting = sock;
    try {
      const created = await sock.open();
      this.assertCurrent(sock);
      // A call keeps its conversation upstream: re-creating it would say everything twice.
      const plan = this.call ? { events: [], skipped: [] } : planReseed(await this.historyForSeed());
      this.assertCurrent(sock);
      this.logSkipped(plan.skipped);
      for (const e of plan.events) this.ownEventIds.add(e.event_id as string);
      const seeded = await seedUpstream(sock, { sessionUpdate: this.ownSessionUpdate(), items: plan.events, timeoutMs: this.config.seedTimeoutMs, logger: this.log, strictSession: false });
      this.assertCurrent(sock);
      this.connecting = null;
      if (seeded.session) this.confirmed = { ...seeded.session, id: this.sessionId };
      this.activate(sock, created);
      const outage = this.outage;
      this.outage = null;
      const replayed = this.replay(new Set(plan.events.map((e) => e.item.id as string)));
      this.log.info(
        {
          attempt,
          outage_ms: outage ? Date.now() - outage.since : 0,
          reseeded_items: plan.events.length - seeded.refusedItemIds.length,
          replayed_events: replayed,
          dropped_audio_events: outage?.droppedAudioEvents ?? 0,
          dropped_audio_bytes: outage?.droppedAudioBytes ?? 0,
        },
        'upstream reconnected; the conversation resumes',
      );
    } catch (err) {
      if (this.connecting === sock) this.connecting = null;
      sock.close(1000, 'reconnect attempt failed');
      throw err;
    }
  }

  private assertCurrent(sock: UpstreamSocket): void {
    if (this.closed || this.connecting !== sock) throw new Error('the reconnect attempt was superseded');
  }

  /**
   * After re-seeding: items the old upstream never confirmed, then held client events in order,
   * then the answers that were cut off (unless the caller asked again itself). Returns how many
   * events went out.
   */
  private replay(seededIds: ReadonlySet<string>): number {
    const unconfirmed = this.pendingItems.take().filter((e) => !seededIds.has(e.item.id as string));
    const queued = this.queue.drain();
    for (const e of [...unconfirmed, ...queued]) this.forward(e);
    const callerAsked = queued.some((e) => e.type === 'response.create' && e.response?.conversation !== 'none');
    const reAsks = this.reAsks.filter((p) => !callerAsked || p?.conversation === 'none');
    this.reAsks = [];
    for (const params of reAsks) {
      const eventId = this.own(newId('event'));
      this.forward((params ? { type: 'response.create', event_id: eventId, response: params } : { type: 'response.create', event_id: eventId }) as ClientEvent);
    }
    return unconfirmed.length + queued.length + reAsks.length;
  }

  /** Ends every running response as failed (so nobody waits for it) and remembers to ask again. */
  private failInFlight(code: string, message: string): void {
    const failed = this.responses.failAll();
    this.excluded.addAll(failed.partialItemIds);
    this.conversation.remove(failed.partialItemIds);
    // A call's response runs on upstream and the caller hears it: asking again would answer twice.
    if (!this.call) this.reAsks.push(...failed.reAsk);
    for (const r of failed.responses) this.emit(serverEvent('response.done', { response: failedResponse(r, code, message) }));
  }

  private giveUp(last: Error, attempts: number): void {
    if (this.closed) return;
    if (this.call && last instanceof OpenAIEngineError && last.code === 'call_not_found') return this.callEnded(null, 'the call is gone (HTTP 404 when re-attaching)');
    const reason = `OpenAI Realtime could not be reached again after ${attempts} attempt${attempts === 1 ? '' : 's'} (${last.message}); the session has ended. Start a new session; if this persists, check the network and OPENAI_BASE_URL, and status.openai.com.`;
    this.log.error({ attempts, code: (last as { code?: string }).code }, 'upstream unavailable; ending the session');
    this.emit(this.errorEvent(OpenAIEngineEventCode.unavailable, reason, undefined));
    void this.shutdown('upstream unavailable', { code: OpenAIEngineEventCode.unavailable, reason });
  }

  // ---- Rolling over before the session limit ----

  private isQuiet(): boolean {
    return this.connection.state === 'open' && this.active !== null && this.updatesInFlight.length === 0 && this.pendingItems.size === 0 && this.responses.quiet;
  }

  private async prepareRollover(): Promise<Prepared> {
    const sock = this.newSocket();
    try {
      const created = await sock.open();
      const snapshotSeq = this.conversation.seq;
      const plan = planReseed(await this.historyForSeed());
      this.logSkipped(plan.skipped);
      for (const e of plan.events) this.ownEventIds.add(e.event_id as string);
      const sessionUpdate = this.ownSessionUpdate();
      await seedUpstream(sock, { sessionUpdate, items: plan.events, timeoutMs: this.config.seedTimeoutMs, logger: this.log, strictSession: false });
      if (this.closed) throw new Error('engine closed');
      // Until it serves, the prepared upstream has nothing to say; if it dies, prepare another.
      sock.onEvent = () => {};
      sock.onClose = () => this.rollover.preparedLost();
      return {
        sock,
        created,
        snapshotSeq,
        seededIds: new Set(plan.events.map((e) => e.item.id as string)),
        seededCallIds: new Set(plan.events.flatMap((e) => (e.item.type === 'function_call' && e.item.call_id ? [e.item.call_id] : []))),
        sessionJson: JSON.stringify(sessionUpdate.session),
      };
    } catch (err) {
      sock.close(1000, 'rollover preparation failed');
      throw err;
    }
  }

  private commitRollover(p: Prepared, forced: boolean): boolean {
    if (this.closed || !this.active) {
      p.sock.close(1000, 'not needed');
      return true;
    }
    if (!p.sock.isOpen) return false;
    const old = this.active;
    // What completed on the old upstream since the history was taken follows it over.
    const catchUp = planReseed(this.conversation.since(p.snapshotSeq).filter((i) => !(i.id && p.seededIds.has(i.id))), p.seededCallIds, p.seededIds);
    if (forced) {
      this.confirmed = this.current(false);
      this.updatesInFlight = [];
      this.failInFlight(OpenAIEngineEventCode.rollover, 'The session moved to a new connection to the model before its time limit; this response will be asked for again.');
    }
    this.activate(p.sock, p.created);
    old.close(1000, 'rollover');
    const update = this.ownSessionUpdate();
    if (JSON.stringify(update.session) !== p.sessionJson) this.sendOwn(p.sock, update);
    for (const e of catchUp.events) {
      this.suppressed.add(e.item.id as string);
      this.sendOwn(p.sock, e);
    }
    const replayed = forced ? this.replay(new Set([...p.seededIds, ...catchUp.events.map((e) => e.item.id as string)])) : 0;
    this.log.info({ generation: p.sock.generation, caught_up_items: catchUp.events.length, forced, replayed_events: replayed }, 'session moved to a new upstream before the session limit');
    return true;
  }

  // ---- Helpers ----

  private newSocket(): UpstreamSocket {
    return new UpstreamSocket({
      url: this.call ? sidebandUrl(this.config.baseUrl, this.call.id) : realtimeUrl(this.config.baseUrl, this.ctx.session.model),
      headers: upstreamHeaders(this.config),
      generation: ++this.generations,
      model: this.ctx.session.model,
      callId: this.call?.id,
      apiKey: this.config.apiKey,
      connectTimeoutMs: this.config.connectTimeoutMs,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      logger: this.log,
      tap: this.config.tap,
    });
  }

  /** Makes `sock` the one that serves the session; events of any other are ignored from now on. */
  private activate(sock: UpstreamSocket, created: UpstreamEvent): void {
    this.active = sock;
    this.activeGen = sock.generation;
    this.updatesInFlight = [];
    sock.onEvent = (e) => this.fromUpstream(sock.generation, e);
    sock.onClose = (info) => this.upstreamClosed(sock.generation, info);
    this.connection.trySend('opened');
    // A call's time limit is the call's: a fresh sideband would not extend it.
    if (!this.call) this.rollover.arm();
    const upstreamSession = (created.session ?? {}) as { id?: unknown };
    this.log.info({ generation: sock.generation, upstream_session_id: upstreamSession.id, call_id: this.call?.id }, this.call ? 'attached to the call' : 'upstream session serving');
  }

  /** The session now: as confirmed, plus updates sent and not yet answered, plus (optionally) those waiting to be sent. */
  private current(withQueued = true): SessionConfig {
    const updates = [
      ...this.updatesInFlight.flatMap((u) => (!u.own && u.update ? [u.update] : [])),
      ...(withQueued ? this.queue.peek().flatMap((e) => (e.type === 'session.update' ? [e.session] : [])) : []),
    ];
    return updates.reduce<SessionConfig>((s, u) => mergeSessionUpdate(s, u) ?? s, this.confirmed);
  }

  private ownSessionUpdate(): ClientEventOf<'session.update'> & { event_id: string } {
    return { type: 'session.update', event_id: this.own(newId('event')), session: sessionUpdateFrom(this.current()) };
  }

  private sendOwn(sock: UpstreamSocket, event: ClientEvent): void {
    if (event.event_id) this.ownEventIds.add(event.event_id);
    if (event.type === 'session.update') this.updatesInFlight.push({ own: true, eventId: event.event_id, update: null });
    sock.send(event);
  }

  private own(eventId: string): string {
    this.ownEventIds.add(eventId);
    return eventId;
  }

  /**
   * The conversation to re-seed: the session's record when it has one (gaps filled from what this
   * engine saw), else what this engine saw. Never the partial output of a failed response, nor
   * an item deleted on the upstream (a record keeps what was said, even after it was compacted away).
   */
  private async historyForSeed(): Promise<Item[]> {
    const seen = this.conversation.items();
    let items = seen;
    if (this.ctx.history) {
      try {
        items = mergeHistory(await this.ctx.history(), seen);
      } catch (err) {
        this.log.warn({ err }, "the session's history could not be read; re-seeding from what the engine saw");
      }
    }
    return items.filter((i) => !(i.id && (this.excluded.has(i.id) || this.deleted.has(i.id))));
  }

  private logSkipped(skipped: { id: string | undefined; type: string; reason: string }[]): void {
    for (const s of skipped) this.log.debug({ item_id: s.id, item_type: s.type, reason: s.reason }, 'history item not re-seeded');
  }

  private errorEvent(code: string, message: string, eventId: string | undefined): ServerEvent {
    return serverEvent('error', { error: { type: 'server_error', code, message, param: null, event_id: eventId ?? null } });
  }

  private emit(event: ServerEvent): void {
    if (this.closed) return;
    if (this.started) return this.deliver(event);
    if (this.early.length < MAX_EARLY_EVENTS) this.early.push(event);
  }

  private deliver(event: ServerEvent): void {
    this.out.emit(event, (err) => this.log.error({ err, type: event.type }, 'a server-event listener threw'));
  }

  /**
   * Ends everything; `closed` is told to the close listeners (an end the engine chose), then all
   * are forgotten. Attached to a call that is still up, it hangs the call up (resolves when done).
   */
  private shutdown(reason: string, closed?: { code: string; reason: string }): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.reconnector.stop();
    this.rollover.disarm();
    this.active?.close(1000, reason);
    this.connecting?.close(1000, reason);
    this.active = null;
    this.connecting = null;
    this.connection.trySend('close');
    this.connection.trySend('closed');
    this.early = [];
    // After the sideband's close went out: the call's end then reaches nobody here.
    const hangup = this.call && !this.callGone ? hangUpCall(this.config, this.call.id, this.log) : Promise.resolve();
    if (closed) this.out.close(closed);
    this.out.clear();
    return hangup;
  }
}

/** A running response, ended as failed: `response.done` is always sent, whatever the outcome. */
function failedResponse(r: ResponseObject, code: string, message: string): ResponseObject {
  return { ...r, status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code, message } }, output: [] };
}
