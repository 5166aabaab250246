import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { newId } from '../protocol/ids.js';
import type { Item } from '../protocol/schemas/index.js';
import { AudioTrack } from './audio-track.js';

export interface ConversationLimits {
  /** Items kept in one conversation; one more is refused with a clear error. */
  maxItems: number;
  /** Audio bytes held for retrieval across all items; the oldest are evicted first. */
  maxAudioBytes: number;
}

const trackKey = (itemId: string, contentIndex: number): string => `${itemId}#${contentIndex}`;

/**
 * The ordered items of one Realtime conversation, with the audio of their
 * content parts. Shared by every engine and the session runtime, so ordering,
 * `previous_item_id`, deletion and truncation behave the same everywhere.
 */
export class Conversation {
  readonly id: string;
  private readonly order: string[] = [];
  private readonly byId = new Map<string, Item>();
  private readonly tracks = new Map<string, AudioTrack>();
  private heldAudioBytes = 0;

  /** `id` defaults to a fresh one; engines derive it from the session id (`sess_X` → `conv_X`), as the beta `conversation.created` does. */
  constructor(
    private readonly limits: ConversationLimits,
    id: string = newId('conv'),
  ) {
    this.id = id;
  }

  get size(): number {
    return this.order.length;
  }

  items(): Item[] {
    return this.order.map((id) => this.byId.get(id) as Item);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Item | undefined {
    return this.byId.get(id);
  }

  /** The item, or a protocol error naming `param`. */
  require(id: string, param = 'item_id'): Item {
    const item = this.byId.get(id);
    if (!item) throw new ProtocolError(ErrorCode.itemNotFound, `Item with item_id '${id}' not found in the conversation.`, param);
    return item;
  }

  lastId(): string | null {
    return this.order[this.order.length - 1] ?? null;
  }

  previousId(id: string): string | null {
    const i = this.order.indexOf(id);
    return i > 0 ? (this.order[i - 1] ?? null) : null;
  }

  /**
   * Inserts an item (it must carry an id). `previousItemId`: undefined/null
   * appends, 'root' inserts first, an id inserts after that item.
   * Returns the id of the item now before it.
   */
  insert(item: Item & { id: string }, previousItemId?: string | null): string | null {
    if (this.byId.has(item.id)) {
      throw new ProtocolError(ErrorCode.itemAlreadyExists, `Item with id '${item.id}' already exists in the conversation; use a new id.`, 'item.id');
    }
    if (this.order.length >= this.limits.maxItems) {
      throw new ProtocolError(
        ErrorCode.conversationFull,
        `The conversation already holds ${this.limits.maxItems} items, the maximum; delete old items with conversation.item.delete before adding more.`,
        'item',
      );
    }
    let index: number;
    if (previousItemId === undefined || previousItemId === null) index = this.order.length;
    else if (previousItemId === 'root') index = 0;
    else {
      const prev = this.order.indexOf(previousItemId);
      if (prev < 0) {
        throw new ProtocolError(ErrorCode.itemNotFound, `previous_item_id '${previousItemId}' does not exist in the conversation.`, 'previous_item_id');
      }
      index = prev + 1;
    }
    this.order.splice(index, 0, item.id);
    this.byId.set(item.id, item);
    return index > 0 ? (this.order[index - 1] ?? null) : null;
  }

  /** Replaces an item in place (same id), e.g. when a streamed item completes. */
  replace(item: Item & { id: string }): void {
    if (!this.byId.has(item.id)) this.require(item.id);
    this.byId.set(item.id, item);
  }

  delete(id: string): void {
    this.require(id);
    this.order.splice(this.order.indexOf(id), 1);
    this.byId.delete(id);
    for (const [key, track] of this.tracks) {
      if (key.startsWith(`${id}#`)) {
        this.heldAudioBytes -= track.heldBytes;
        this.tracks.delete(key);
      }
    }
  }

  track(itemId: string, contentIndex: number): AudioTrack | undefined {
    return this.tracks.get(trackKey(itemId, contentIndex));
  }

  appendAudio(itemId: string, contentIndex: number, bytes: Uint8Array, bytesPerMs: number, transcriptLengthAfter?: number): void {
    const key = trackKey(itemId, contentIndex);
    let track = this.tracks.get(key);
    if (!track) {
      track = new AudioTrack(bytesPerMs);
      this.tracks.set(key, track);
    }
    track.append(bytes, transcriptLengthAfter);
    this.heldAudioBytes += bytes.byteLength;
    this.evictAudio();
  }

  /** Keeps held audio within budget by freeing the oldest items' bytes. */
  private evictAudio(): void {
    if (this.heldAudioBytes <= this.limits.maxAudioBytes) return;
    for (const id of this.order) {
      for (const [key, track] of this.tracks) {
        if (!key.startsWith(`${id}#`) || track.heldBytes === 0) continue;
        this.heldAudioBytes -= track.evict();
        if (this.heldAudioBytes <= this.limits.maxAudioBytes) return;
      }
    }
  }

  /**
   * Cuts an assistant item's audio at `audioEndMs` and trims its transcript
   * to what was heard, so the context holds nothing the listener missed.
   */
  truncate(itemId: string, contentIndex: number, audioEndMs: number): void {
    const item = this.require(itemId);
    if (item.type !== 'message' || item.role !== 'assistant') {
      throw new ProtocolError(ErrorCode.invalidValue, `Only assistant messages can be truncated; item '${itemId}' is a ${item.type === 'message' ? item.role : item.type} item.`, 'item_id');
    }
    const part = item.content[contentIndex];
    if (part?.type !== 'output_audio') {
      throw new ProtocolError(ErrorCode.invalidValue, `Item '${itemId}' has no audio content at content_index ${contentIndex}.`, 'content_index');
    }
    const track = this.track(itemId, contentIndex);
    const lengthMs = track ? Math.floor(track.durationMs) : 0;
    if (audioEndMs > lengthMs) {
      throw new ProtocolError(
        ErrorCode.truncateInvalid,
        `audio_end_ms ${audioEndMs} is past the end of the item's audio (${lengthMs} ms); send the number of ms actually played, at most ${lengthMs}.`,
        'audio_end_ms',
      );
    }
    const before = track?.heldBytes ?? 0;
    const heardChars = track ? track.truncate(audioEndMs) : 0;
    this.heldAudioBytes -= before - (track?.heldBytes ?? 0);
    const transcript = part.transcript ?? '';
    // Without marks we cannot tell which words were heard: drop them all, as OpenAI does.
    const kept = heardChars === null ? '' : transcript.slice(0, heardChars).trimEnd();
    const content = item.content.map((p, i) => (i === contentIndex ? { ...p, transcript: kept } : p));
    this.byId.set(itemId, { ...item, content } as Item);
  }
}
