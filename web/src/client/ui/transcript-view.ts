import type { TranscriptEntry } from '../transcript.js';

const WHO: Record<TranscriptEntry['kind'], string> = { user: 'You', agent: 'Agent', tool: 'Tool' };

/** Pretty JSON when it is JSON; the text as it is otherwise. */
function pretty(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s));
  } catch {
    return s;
  }
}

/** Renders transcript entries as list items, updating one in place as it streams. */
export class TranscriptView {
  private readonly rows = new Map<string, HTMLLIElement>();

  constructor(private readonly list: HTMLOListElement) {}

  clear(): void {
    this.rows.clear();
    this.list.replaceChildren();
  }

  render(e: TranscriptEntry): void {
    let li = this.rows.get(e.key);
    if (!li) {
      li = document.createElement('li');
      this.rows.set(e.key, li);
      this.list.append(li);
    }
    li.className = `${e.kind}${e.final ? '' : ' partial'}`;
    li.dataset.kind = e.kind;
    const who = el('span', 'who', WHO[e.kind]);
    if (e.kind === 'tool' && e.tool) {
      const call = el('div', 'call', `${e.tool.name}(${pretty(e.tool.arguments)})`);
      const result = el('div', 'result', e.tool.output === undefined ? 'running…' : `→ ${pretty(e.tool.output)}`);
      li.replaceChildren(who, call, result);
    } else {
      const text = el('span', 'text', e.text);
      li.replaceChildren(who, text);
      if (e.interrupted) li.append(el('span', 'cut', '(interrupted)'));
      if (e.latencyMs !== undefined) li.append(el('span', 'latency', `answered in ${e.latencyMs} ms`));
    }
    li.scrollIntoView({ block: 'nearest' });
  }
}

function el(tag: string, cls: string, text: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = text;
  return e;
}
