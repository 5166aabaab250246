import { item, str, type RealtimeEvent } from './events.js';

export interface TranscriptEntry {
  /** The conversation item (or, for a tool call, the call id). */
  key: string;
  kind: 'user' | 'agent' | 'tool';
  text: string;
  final: boolean;
  interrupted?: boolean;
  tool?: { name: string; arguments: string; output?: string };
  /** End of the caller's speech → first agent audio heard, measured here. */
  latencyMs?: number;
}

/**
 * The conversation as the person saw and heard it, built from server events: both sides'
 * transcripts as they stream, tool calls with their arguments and results, and each answer's
 * latency as measured by this client.
 */
export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  private readonly byKey = new Map<string, TranscriptEntry>();
  private speechStoppedAt: number | null = null;
  private awaitingAudio = false;

  constructor(private readonly onChange: (entry: TranscriptEntry) => void = () => {}) {}

  event(e: RealtimeEvent, now = performance.now()): void {
    switch (e.type) {
      case 'input_audio_buffer.speech_stopped':
        this.speechStoppedAt = now;
        this.awaitingAudio = true;
        return;
      case 'conversation.item.input_audio_transcription.delta':
        return this.append(str(e.item_id), 'user', str(e.delta) ?? '', false);
      case 'conversation.item.input_audio_transcription.completed':
        return this.replace(str(e.item_id), 'user', str(e.transcript) ?? '', true);
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        return this.append(str(e.item_id), 'agent', str(e.delta) ?? '', false);
      case 'response.output_audio_transcript.done':
        return this.replace(str(e.item_id), 'agent', str(e.transcript) ?? '', true);
      case 'response.output_text.done':
        return this.replace(str(e.item_id), 'agent', str(e.text) ?? '', true);
      case 'conversation.item.truncated': {
        const entry = this.byKey.get(str(e.item_id) ?? '');
        if (entry) this.update(entry, { interrupted: true });
        return;
      }
      case 'conversation.item.added':
      case 'conversation.item.done':
        return this.item(e);
      default:
    }
  }

  /** The first agent audio of an answer reached the speaker. */
  audioHeard(now = performance.now()): void {
    if (!this.awaitingAudio || this.speechStoppedAt === null) return;
    this.awaitingAudio = false;
    const latencyMs = Math.round(now - this.speechStoppedAt);
    const last = [...this.entries].reverse().find((x) => x.kind === 'agent');
    if (last) this.update(last, { latencyMs });
    else this.pendingLatency = latencyMs;
  }

  private pendingLatency: number | undefined;

  private item(e: RealtimeEvent): void {
    const it = item(e);
    if (!it) return;
    if (it.type === 'function_call' && it.call_id && e.type === 'conversation.item.done') {
      const existing = this.byKey.get(it.call_id);
      const tool = { name: it.name ?? 'tool', arguments: it.arguments ?? '', ...(existing?.tool?.output !== undefined ? { output: existing.tool.output } : {}) };
      if (existing) return this.update(existing, { tool });
      return this.add({ key: it.call_id, kind: 'tool', text: '', final: false, tool });
    }
    if (it.type === 'function_call_output' && it.call_id) {
      const existing = this.byKey.get(it.call_id);
      if (existing?.tool) return this.update(existing, { final: true, tool: { ...existing.tool, output: it.output ?? '' } });
      return this.add({ key: it.call_id, kind: 'tool', text: '', final: true, tool: { name: 'tool', arguments: '', output: it.output ?? '' } });
    }
    // Typed turns arrive as items with their text; spoken ones get theirs from transcription events.
    if (it.type === 'message' && it.id && it.role === 'user') {
      const text = (it.content ?? []).map((c) => (c.type === 'input_text' ? (c.text ?? '') : '')).join('');
      if (text) this.replace(it.id, 'user', text, true);
    }
  }

  private append(key: string | undefined, kind: 'user' | 'agent', delta: string, final: boolean): void {
    if (!key) return;
    const entry = this.byKey.get(key);
    if (entry) return this.update(entry, { text: entry.text + delta, final });
    this.add({ key, kind, text: delta, final });
  }

  private replace(key: string | undefined, kind: 'user' | 'agent', text: string, final: boolean): void {
    if (!key) return;
    const entry = this.byKey.get(key);
    // A truncated answer keeps what was heard; the done event may still carry the whole text.
    if (entry) return this.update(entry, { text: entry.interrupted ? entry.text : text, final });
    this.add({ key, kind, text, final });
  }

  private add(entry: TranscriptEntry): void {
    if (entry.kind === 'agent' && this.pendingLatency !== undefined) {
      entry.latencyMs = this.pendingLatency;
      this.pendingLatency = undefined;
    }
    this.entries.push(entry);
    this.byKey.set(entry.key, entry);
    this.onChange(entry);
  }

  private update(entry: TranscriptEntry, patch: Partial<TranscriptEntry>): void {
    Object.assign(entry, patch);
    this.onChange(entry);
  }
}
