import { setTimeout as sleep } from 'node:timers/promises';
import { FormatEncoder } from '../../audio/formats.js';
import type { MessageWriter } from '../../conversation/response-writer.js';
import { latestTurn } from '../inprocess/latest-turn.js';
import type { Model, ModelOutput, ModelRequest, ModelResult } from '../inprocess/model.js';
import type { BrainReply, ReceptionistBrain } from './brain/receptionist.js';
import type { SpeechSynthesizer } from './providers.js';
import { parseCallerContext } from '../../conversation/caller-context.js';
import type { Item } from '../../protocol/schemas/index.js';
import { verbatimWords } from '../../conversation/say.js';

export interface LocalModelDeps {
  brain: ReceptionistBrain;
  /** null: no speech synthesis available; audio responses then carry the transcript only. */
  tts: SpeechSynthesizer | null;
  /** Resolves the transcript of a user audio item still being recognized. */
  transcriptOf: (itemId: string) => Promise<string | null>;
  /** Once, right after an idle timeout: the words of the re-prompt; else null. */
  takeIdlePrompt: () => string | null;
  /** How far speech may run ahead of real time (default 1000 ms). */
  leadMs?: number;
}

/**
 * The embedded engine's model: the rule-based brain decides, espeak-ng (or
 * another synthesizer) speaks, in the response's output format.
 */
export class LocalModel implements Model {
  readonly name = 'local';

  private readonly leadMs: number;
  private recalled = false;
  private caughtUp = false;

  constructor(private readonly deps: LocalModelDeps) {
    this.leadMs = deps.leadMs ?? 1000;
  }

  async respond(req: ModelRequest, out: ModelOutput, signal: AbortSignal): Promise<ModelResult> {
    const tools = new Set(req.tools.map((t) => t.name));
    this.recallCaller(req.context);
    await this.catchUp(req.context, tools);
    // A response asked to say given words (a filler while a tool runs, a goodbye at a limit) says exactly them.
    const verbatim = verbatimWords(req.metadata);
    const idlePrompt = verbatim ? null : this.deps.takeIdlePrompt();
    const reply: BrainReply = verbatim
      ? { say: verbatim, calls: [] }
      : idlePrompt
        ? { say: idlePrompt, calls: [] }
        : this.deps.brain.respond(await latestTurn(req.context, this.deps.transcriptOf), tools);
    if (reply.say && !signal.aborted) await this.speak(reply.say, req, out.message(), signal);
    for (const call of reply.calls) {
      if (signal.aborted) break;
      const fc = out.functionCall(call.name);
      const json = JSON.stringify(call.args);
      // Streamed in a few pieces, as a model streams its arguments.
      for (let i = 0; i < json.length; i += 16) fc.writeArguments(json.slice(i, i + 16));
      fc.end();
    }
    return {};
  }

  /**
   * Before its first answer, the brain hears the turns already in the conversation (a resumed
   * session re-seeded from its record), so the dialogue carries on where it was: the task in
   * progress, the booking just made. What it would have said then is dropped.
   */
  private async catchUp(context: readonly Item[], tools: ReadonlySet<string>): Promise<void> {
    if (this.caughtUp) return;
    this.caughtUp = true;
    const isTurn = (i: Item) => (i.type === 'message' && i.role === 'user') || i.type === 'function_call_output';
    let last = context.length - 1;
    while (last >= 0 && !isTurn(context[last]!)) last--;
    for (let i = 0; i < last; i++) {
      if (isTurn(context[i]!)) this.deps.brain.respond(await latestTurn(context.slice(0, i + 1), this.deps.transcriptOf), tools);
    }
  }

  /** The caller context Parley injects as a system message, read once. */
  private recallCaller(context: readonly Item[]): void {
    if (this.recalled) return;
    for (const item of context) {
      if (item.type !== 'message' || item.role !== 'system') continue;
      for (const part of item.content) {
        const ctx = part.type === 'input_text' ? parseCallerContext(part.text) : null;
        if (ctx) {
          this.deps.brain.recall(ctx);
          this.recalled = true;
          return;
        }
      }
    }
  }

  private async speak(text: string, req: ModelRequest, msg: MessageWriter, signal: AbortSignal): Promise<void> {
    const tts = this.deps.tts;
    if (!msg.audio || !tts) {
      msg.write(text);
      msg.end();
      return;
    }
    const speed = (req.session.audio as unknown as { output: { speed?: number } }).output.speed ?? 1;
    let encoder: FormatEncoder | null = null;
    const started = performance.now();
    let sentMs = 0;
    for await (const chunk of tts.synthesize(text, { voice: req.voice, speed, signal })) {
      if (signal.aborted) return;
      encoder ??= new FormatEncoder(chunk.sampleRate, req.outputFormat);
      msg.writeAudio(encoder.encode(chunk.samples), chunk.text);
      // Stay at most `leadMs` ahead of real-time playback, as a streaming model
      // does: barge-in then cancels real work and truncation has something to cut.
      sentMs += (chunk.samples.length * 1000) / chunk.sampleRate;
      const ahead = sentMs - (performance.now() - started);
      if (ahead > this.leadMs) await sleep(ahead - this.leadMs, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted || !encoder) return msg.end();
    const tail = encoder.flush();
    if (tail.byteLength > 0) msg.writeAudio(tail);
    msg.end();
  }
}
