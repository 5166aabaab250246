import { estimateTextTokens } from '../conversation/usage.js';
import type { Item, ServerEvent } from '../protocol/schemas/index.js';
import { itemText } from '../conversation/item-text.js';

/** One item of the engine's conversation as the runtime tracks it. */
export interface WindowItem {
  id: string;
  item: Item;
  /** The caller's words for an audio item, once transcribed. */
  transcript?: string;
}

/** Which items to fold into a summary, and where the summary goes. */
export interface Compaction {
  /** Insert the summary after this item ('root' = first). */
  after: string;
  /** The summary in place now, merged into the new one and deleted. */
  previousSummary: WindowItem | null;
  /** Oldest turns, removed from the engine's context. */
  removed: WindowItem[];
}

/** The words of an item, audio by its transcript. */
export function windowItemText(w: WindowItem): string {
  return itemText(w.item) || w.transcript || '';
}

/** Tokens an item costs in the context, by its words (the engine's own count decides when to compact). */
const itemTokens = (w: WindowItem): number =>
  w.item.type === 'function_call' ? estimateTextTokens(w.item.name + w.item.arguments) : w.item.type === 'function_call_output' ? estimateTextTokens(w.item.output) : estimateTextTokens(windowItemText(w)) + 4;

/**
 * The engine's conversation as seen through its events (items added, completed, transcribed,
 * deleted), so the runtime can pick old turns to summarise without asking the engine. The
 * summary it inserts is tracked like any item and recognised by its id.
 */
export class ContextWindow {
  private items: WindowItem[] = [];
  private readonly summaryIds = new Set<string>();

  observe(e: ServerEvent): void {
    switch (e.type) {
      case 'conversation.item.added': {
        const id = e.item.id;
        if (!id || this.index(id) >= 0) return;
        // No previous item: first. An unknown one (added before the runtime watched): last.
        const prev = e.previous_item_id ? this.index(e.previous_item_id) : -1;
        const at = !e.previous_item_id ? 0 : prev >= 0 ? prev + 1 : this.items.length;
        this.items.splice(at, 0, { id, item: e.item });
        return;
      }
      case 'conversation.item.done':
      case 'conversation.item.retrieved': {
        const w = this.find(e.item.id);
        if (w) w.item = e.item;
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const w = this.find(e.item_id);
        if (w) w.transcript = e.transcript;
        return;
      }
      case 'conversation.item.deleted':
        this.items = this.items.filter((w) => w.id !== e.item_id);
        this.summaryIds.delete(e.item_id);
        return;
      default:
    }
  }

  /** Marks the item with this id as the runtime's summary (before the engine has added it). */
  markSummary(id: string): void {
    this.summaryIds.add(id);
  }

  get size(): number {
    return this.items.length;
  }

  has(id: string): boolean {
    return this.index(id) >= 0;
  }

  /**
   * Old turns to summarise so the newest `keepTokens` stay verbatim. The leading system items
   * (what is remembered about the caller) stay; so do the last `keepTurns` caller turns and
   * everything after them, and a turn's tool call with its output. Null when nothing can go.
   */
  plan(keepTokens: number, keepTurns = 2): Compaction | null {
    let start = 0;
    while (start < this.items.length && this.isSystem(this.items[start]!) && !this.summaryIds.has(this.items[start]!.id)) start++;
    const after = start === 0 ? 'root' : this.items[start - 1]!.id;
    const previousSummary = this.items[start] && this.summaryIds.has(this.items[start]!.id) ? this.items[start]! : null;
    const body = this.items.slice(previousSummary ? start + 1 : start);
    // Turn boundaries: each caller message starts a turn; only whole turns go.
    const turnStarts = body.flatMap((w, i) => (w.item.type === 'message' && w.item.role === 'user' ? [i] : []));
    const lastKept = turnStarts.length >= keepTurns ? turnStarts[turnStarts.length - keepTurns]! : 0;
    let cut = 0;
    let kept = body.slice(lastKept).reduce((n, w) => n + itemTokens(w), 0);
    // Keep earlier whole turns too while they fit.
    for (let t = turnStarts.filter((s) => s < lastKept).length - 1; t >= 0; t--) {
      const s = turnStarts[t]!;
      const next = turnStarts[t + 1] ?? lastKept;
      const cost = body.slice(s, next).reduce((n, w) => n + itemTokens(w), 0);
      if (kept + cost > keepTokens) {
        cut = next;
        break;
      }
      kept += cost;
    }
    if (cut === 0) return null;
    return { after, previousSummary, removed: body.slice(0, cut) };
  }

  private isSystem(w: WindowItem): boolean {
    return w.item.type === 'message' && w.item.role === 'system';
  }

  private index(id: string): number {
    return this.items.findIndex((w) => w.id === id);
  }

  private find(id: string | undefined): WindowItem | undefined {
    return id ? this.items.find((w) => w.id === id) : undefined;
  }
}
