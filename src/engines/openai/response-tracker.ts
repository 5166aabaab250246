import { isDeepStrictEqual } from 'node:util';
import type { ResponseCreateParams, ResponseObject, ServerEvent } from '../../protocol/schemas/index.js';

interface Requested {
  params: ResponseCreateParams | undefined;
  eventId: string | undefined;
  at: number;
}

interface InFlight {
  response: ResponseObject;
  /** What the caller asked for (undefined: the upstream started it, e.g. at a VAD turn end). */
  params: ResponseCreateParams | undefined;
  itemIds: string[];
}

export interface FailedResponses {
  /** `response.created` objects of the responses that were running. */
  responses: ResponseObject[];
  /** What to ask the next upstream for, in order: the failed responses', then requests never answered. */
  reAsk: (ResponseCreateParams | undefined)[];
  /** Output items of the failed responses: partial, never re-seeded. */
  partialItemIds: string[];
}

/**
 * What the upstream is doing, as far as the engine must know to keep its promises: responses
 * requested and running (so none is left hanging when a connection drops, and each is asked
 * for again), whether the caller is speaking, and transcriptions still due. "Quiet" is when
 * none of that is going on: the moment to move to a new upstream unnoticed.
 */
export class ResponseTracker {
  private requested: Requested[] = [];
  private readonly running = new Map<string, InFlight>();
  private speaking = false;
  private readonly transcribing = new Map<string, number>();

  constructor(
    private readonly opts: {
      /** Input transcription is on (committed audio will get a transcript). */
      transcriptionOn: () => boolean;
      /** A request or transcription unanswered this long is taken as lost (refused without an event_id…). */
      staleAfterMs: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  requestedBy(params: ResponseCreateParams | undefined, eventId: string | undefined): void {
    this.requested.push({ params, eventId, at: this.now() });
  }

  /** The upstream refused a client event: a refused `response.create` will start nothing. */
  refused(eventId: string | null | undefined, code: string | null | undefined): void {
    const i = eventId ? this.requested.findIndex((r) => r.eventId === eventId) : code === 'conversation_already_has_active_response' ? 0 : -1;
    if (i >= 0) this.requested.splice(i, 1);
  }

  observe(e: ServerEvent): void {
    switch (e.type) {
      case 'response.created': {
        // Match by metadata (returned on the response); an unmatched one was started by the upstream itself.
        const meta = e.response.metadata ?? null;
        const i = this.requested.findIndex((r) => isDeepStrictEqual(r.params?.metadata ?? null, meta));
        const req = i >= 0 ? this.requested.splice(i, 1)[0] : undefined;
        this.running.set(e.response.id, { response: e.response, params: req?.params, itemIds: [] });
        return;
      }
      case 'response.output_item.added':
        if (e.item.id) this.running.get(e.response_id)?.itemIds.push(e.item.id);
        return;
      case 'response.done':
        this.running.delete(e.response.id);
        return;
      case 'input_audio_buffer.speech_started':
        this.speaking = true;
        return;
      case 'input_audio_buffer.committed':
        this.speaking = false;
        if (this.opts.transcriptionOn()) this.transcribing.set(e.item_id, this.now());
        return;
      case 'input_audio_buffer.speech_stopped':
      case 'input_audio_buffer.cleared':
        this.speaking = false;
        return;
      case 'conversation.item.input_audio_transcription.completed':
      case 'conversation.item.input_audio_transcription.failed':
        this.transcribing.delete(e.item_id);
        return;
      default:
    }
  }

  /** Nothing running, requested, spoken or being transcribed. */
  get quiet(): boolean {
    this.prune();
    return this.running.size === 0 && this.requested.length === 0 && !this.speaking && this.transcribing.size === 0;
  }

  /** The connection is gone: everything running has failed; what to ask for again. */
  failAll(): FailedResponses {
    this.prune();
    const running = [...this.running.values()];
    const out: FailedResponses = {
      responses: running.map((r) => r.response),
      reAsk: [...running.map((r) => r.params), ...this.requested.map((r) => r.params)],
      partialItemIds: running.flatMap((r) => r.itemIds),
    };
    this.running.clear();
    this.requested = [];
    this.speaking = false;
    this.transcribing.clear();
    return out;
  }

  private prune(): void {
    const cutoff = this.now() - this.opts.staleAfterMs;
    this.requested = this.requested.filter((r) => r.at >= cutoff);
    for (const [id, at] of this.transcribing) if (at < cutoff) this.transcribing.delete(id);
  }
}
