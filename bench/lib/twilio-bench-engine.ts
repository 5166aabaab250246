/**
 * The engine behind the Twilio bridge benchmark: no model, no VAD, no turn detection. It
 * announces a µ-law session, notes when each tagged caller frame arrives, and — once the caller
 * starts talking — speaks one endless answer: one tagged 20 ms µ-law frame per
 * `response.output_audio.delta`, in real time, noting when each is emitted. The same engine runs
 * behind Parley and behind the plain relay, so both carry the same engine-side work.
 */
import { serverEvent } from '../../src/conversation/events.js';
import { EngineListeners } from '../../src/engines/engine-listeners.js';
import type { Engine, EngineCloseListener, EngineFactory, ServerEventListener } from '../../src/engines/engine.js';
import { newId } from '../../src/protocol/ids.js';
import type { ClientEvent, Item, SessionConfig } from '../../src/protocol/schemas/index.js';
import { epochNow, FRAME_MS, FrameTimes, readTag, taggedPayload, type ServerFrames } from './twilio-frames.js';

/** What every bench engine of the process records. */
export class BenchProbe {
  readonly inArrive = new Map<number, FrameTimes>();
  readonly outEmit = new Map<number, FrameTimes>();
  outSkipped = 0;
  untaggedAfterStart = 0;
  private nextTag = 0;

  newTag(): number {
    return this.nextTag++;
  }

  snapshot(): ServerFrames {
    const snap = (m: Map<number, FrameTimes>) => new Map([...m].map(([k, v]) => [k, v.snapshot()] as const));
    return { inArrive: snap(this.inArrive), outEmit: snap(this.outEmit), outSkipped: this.outSkipped, untaggedAfterStart: this.untaggedAfterStart, engines: this.nextTag };
  }
}

/** Frames one late timer may emit at once: 80 ms, Parley's Twilio pacing lead. */
const MAX_CATCH_UP_FRAMES = 4;

interface Speaker {
  /** performance.now() when the next frame is due. */
  dueAt: number;
  speak(now: number): void;
}

/**
 * One timer for every engine of the process, set for the earliest frame due: a timer per engine
 * would wake the loop hundreds of times per 20 ms.
 */
export class EmitClock {
  private readonly speakers = new Set<Speaker>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  add(s: Speaker): void {
    this.speakers.add(s);
    this.arm(s.dueAt);
  }

  delete(s: Speaker): void {
    this.speakers.delete(s);
  }

  private arm(at: number): void {
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - performance.now()));
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    let next = Infinity;
    for (const s of this.speakers) {
      if (s.dueAt <= performance.now()) s.speak(performance.now());
      next = Math.min(next, s.dueAt);
    }
    if (next < Infinity) this.arm(next);
  };
}

export class BenchEngine implements Engine, Speaker {
  readonly name = 'bench';
  private readonly out = new EngineListeners();
  private readonly tag: number;
  private readonly emitted = new FrameTimes();
  private closed = false;
  private speaking = false;
  private counter = 0;
  /** Play time of the first frame; frame k is due at anchor + 20k, so pacing never holds one back. */
  private anchor: number | null = null;
  private readonly responseId = newId('resp');
  private readonly itemId = newId('item');
  private tagged = false;
  dueAt = Infinity;

  constructor(
    private readonly session: SessionConfig,
    private readonly probe: BenchProbe,
    private readonly clock: EmitClock,
  ) {
    this.tag = probe.newTag();
    probe.outEmit.set(this.tag, this.emitted);
  }

  start(): void {
    this.out.emit(serverEvent('session.created', { session: this.session }));
  }

  send(event: ClientEvent): void {
    if (this.closed || event.type !== 'input_audio_buffer.append') return;
    const t = epochNow();
    const tag = readTag(event.audio);
    if (tag) {
      this.tagged = true;
      let times = this.probe.inArrive.get(tag[0]);
      if (!times) this.probe.inArrive.set(tag[0], (times = new FrameTimes()));
      times.record(tag[1], t);
    } else if (this.tagged) this.probe.untaggedAfterStart++;
    // The answer starts with the caller's first tagged frame: the media stream is up by then (before
    // it, audio would pile up in Parley's playout and be paced out late), and the driver holds its
    // callers' speech until every call is set up, so set-up is not slowed by calls already talking.
    if (tag && !this.speaking) this.startAnswer();
  }

  private startAnswer(): void {
    this.speaking = true;
    const item = { id: this.itemId, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] } as unknown as Item;
    const format = { type: 'audio/pcmu' } as const;
    this.out.emit(
      serverEvent('response.created', {
        response: { object: 'realtime.response', id: this.responseId, status: 'in_progress', output: [], conversation_id: 'conv_bench', output_modalities: ['audio'], audio: { output: { format, voice: 'alloy' } }, max_output_tokens: 'inf', metadata: null },
      }),
    );
    this.out.emit(serverEvent('response.output_item.added', { response_id: this.responseId, output_index: 0, item }));
    this.out.emit(serverEvent('conversation.item.added', { previous_item_id: null, item }));
    this.out.emit(serverEvent('response.content_part.added', { response_id: this.responseId, item_id: this.itemId, output_index: 0, content_index: 0, part: { type: 'audio', transcript: '' } }));
    // A random phase, as independent calls have: frames of all calls do not leave in one burst.
    this.dueAt = performance.now() + Math.random() * FRAME_MS;
    this.clock.add(this);
  }

  speak(now: number): void {
    if (this.closed) return;
    if (this.anchor === null) this.anchor = now;
    // Every frame due by now goes (a real engine's deltas queue up while the loop is busy), but
    // no more than Parley's pacing lead — so pacing never holds one back; older ones are skipped.
    const due = Math.floor((now - this.anchor) / FRAME_MS) + 1;
    if (due - this.counter > MAX_CATCH_UP_FRAMES) {
      this.probe.outSkipped += due - this.counter - MAX_CATCH_UP_FRAMES;
      this.counter = due - MAX_CATCH_UP_FRAMES;
    }
    while (this.counter < due && !this.closed) this.emit(this.counter++);
    this.dueAt = this.anchor + this.counter * FRAME_MS;
  }

  private emit(k: number): void {
    const delta = serverEvent('response.output_audio.delta', { response_id: this.responseId, item_id: this.itemId, output_index: 0, content_index: 0, delta: taggedPayload(this.tag, k) });
    this.emitted.record(k, epochNow());
    this.out.emit(delta);
  }

  onEvent(listener: ServerEventListener): () => void {
    return this.out.onEvent(listener);
  }

  onClose(listener: EngineCloseListener): () => void {
    return this.out.onClose(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.delete(this);
    this.out.clear();
  }
}

/** The factory Parley's agent uses (`engine: bench`). */
export function benchEngineFactory(probe: BenchProbe, clock: EmitClock): EngineFactory {
  return { name: 'bench', defaultModel: 'bench', create: async (ctx) => new BenchEngine(ctx.session, probe, clock) };
}
