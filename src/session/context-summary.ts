import { describeAction } from '../store/actions.js';
import { windowItemText, type WindowItem } from './context-window.js';

/** Folds old turns (and the summary they follow) into one text the engine keeps instead. */
export interface ContextSummarizer {
  summarize(previous: string | null, removed: readonly WindowItem[]): Promise<string>;
}

export const SUMMARY_HEADER = 'Summary of the earlier part of this conversation (older turns were removed to keep the context short):';

const QUOTE_CHARS = 160;

const quote = (text: string): string => `"${text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS - 1)}…` : text}"`;

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One line per removed item worth keeping: what each side said, what the tools did. */
function lines(removed: readonly WindowItem[]): { text: string; done: boolean }[] {
  const out: { text: string; done: boolean }[] = [];
  const outputs = new Map(removed.flatMap((w) => (w.item.type === 'function_call_output' ? [[w.item.call_id, w.item.output] as const] : [])));
  for (const w of removed) {
    const item = w.item;
    if (item.type === 'message' && item.role !== 'system') {
      const text = windowItemText(w);
      if (text) out.push({ text: `${item.role === 'user' ? 'Caller' : 'Agent'}: ${quote(text)}`, done: false });
    } else if (item.type === 'function_call') {
      const output = outputs.get(item.call_id);
      const action = output === undefined ? null : describeAction(item.name, parse(item.arguments), parse(output));
      const result = action ?? (output === undefined ? 'no result' : `returned ${quote(output)}`);
      out.push({ text: `Tool ${item.name}(${item.arguments.slice(0, QUOTE_CHARS)}): ${result}`, done: true });
    }
  }
  return out;
}

/**
 * The offline summarizer: extractive, no model. What was done (tool calls and their outcome)
 * outlives what was said; when the summary outgrows `maxChars`, the oldest quotes go first.
 */
export class ExtractiveSummarizer implements ContextSummarizer {
  constructor(private readonly maxChars = 2000) {}

  async summarize(previous: string | null, removed: readonly WindowItem[]): Promise<string> {
    const earlier = (previous ?? '')
      .split('\n')
      .filter((l) => l && l !== SUMMARY_HEADER)
      .map((text) => ({ text, done: text.startsWith('Tool ') }));
    const all = [...earlier, ...lines(removed)];
    const size = () => all.reduce((n, l) => n + l.text.length + 1, SUMMARY_HEADER.length);
    for (const keepDone of [true, false]) {
      for (let i = 0; i < all.length && size() > this.maxChars; ) {
        if (keepDone && all[i]!.done) i++;
        else all.splice(i, 1);
      }
    }
    return [SUMMARY_HEADER, ...all.map((l) => l.text)].join('\n');
  }
}
