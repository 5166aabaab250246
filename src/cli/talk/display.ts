/** What the conversation is doing, as the person at the terminal would put it. */
export type TalkState = 'connecting' | 'listening' | 'you are speaking' | 'thinking' | 'agent speaking' | 'interrupted' | 'reconnecting' | 'ended';

export interface DisplayOptions {
  write: (text: string) => void;
  /** ANSI colours (only when stdout is a terminal, and NO_COLOR is unset). */
  color: boolean;
  /** Only the conversation itself: no state changes, no latency. */
  quiet: boolean;
}

const CODES = { dim: 2, bold: 1, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
type Style = keyof typeof CODES;

/** Tool arguments and results are shown, but a page of JSON is not. */
const MAX_JSON = 240;

const clip = (text: string, max = MAX_JSON): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Compact one-line JSON (the server's own spacing varies); anything unparseable as it is. */
function oneLine(json: string): string {
  try {
    return clip(JSON.stringify(JSON.parse(json)));
  } catch {
    return clip(json.replace(/\s+/g, ' '));
  }
}

/**
 * The conversation as lines on stdout: `[state]` changes, `you:` and `agent:` transcripts,
 * `tool:` calls and results, latency, and errors. One line per thing, so it pipes and greps.
 */
export class Display {
  private last: TalkState | null = null;

  constructor(private readonly opts: DisplayOptions) {}

  state(state: TalkState, detail?: string): void {
    if (state === this.last && !detail) return;
    this.last = state;
    if (!this.opts.quiet) this.line(this.paint('dim', `[${state}${detail ? `: ${detail}` : ''}]`));
  }

  you(text: string): void {
    this.line(`${this.paint('cyan', 'you:')} ${text}`);
  }

  agent(text: string, interrupted = false): void {
    this.line(`${this.paint('green', 'agent:')} ${text}${interrupted ? this.paint('dim', ' [interrupted]') : ''}`);
  }

  toolCall(name: string, args: string): void {
    this.line(`${this.paint('magenta', 'tool:')} ${name}(${oneLine(args)})`);
  }

  toolResult(name: string, output: string): void {
    const failed = /^\s*\{\s*"error"/.test(output);
    this.line(`${this.paint('magenta', 'tool:')} ${name} → ${this.paint(failed ? 'red' : 'dim', oneLine(output))}`);
  }

  /** `parts`: e.g. { transcript: 70, 'first audio': 120 } (ms). */
  latency(parts: Record<string, number | null>): void {
    const shown = Object.entries(parts).filter((e): e is [string, number] => e[1] !== null);
    if (this.opts.quiet || shown.length === 0) return;
    this.line(this.paint('dim', `latency: ${shown.map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}`));
  }

  notice(text: string): void {
    if (!this.opts.quiet) this.line(this.paint('yellow', text));
  }

  /** An error the conversation survives (an `error` event): always shown. */
  error(text: string): void {
    this.line(`${this.paint('red', 'error:')} ${text}`);
  }

  private paint(style: Style, text: string): string {
    return this.opts.color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  }

  private line(text: string): void {
    this.opts.write(`${text}\n`);
  }
}

/** Colour only for a terminal, and never with NO_COLOR set (https://no-color.org). */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}
