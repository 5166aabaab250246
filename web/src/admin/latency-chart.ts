import type { TurnLatency } from './api.js';
import { button, el, fill, svg } from './dom.js';
import { formatMs, formatTime } from './format.js';

/*
 * Latency per voice turn as a hand-drawn SVG: one horizontal bar per turn, starting when the
 * caller stopped speaking. The bar is cut at each event the server saw — transcript ready,
 * first model output, first audio byte (voice-to-voice) — and each segment takes the colour
 * of the event that ends it, so a transcript that arrives after the answer started is still
 * drawn where it happened. Time spent in tools is a thin strip under the bar. The SVG is
 * hidden from assistive technology; a table with the same numbers stands in for it (and can
 * be shown on screen).
 */

type Milestone = 'transcript' | 'output' | 'audio';

const MILESTONES: readonly { key: Milestone; label: string; value: (t: TurnLatency) => number | null }[] = [
  { key: 'transcript', label: 'Transcript ready', value: (t) => t.transcriptMs },
  { key: 'output', label: 'First model output', value: (t) => t.firstOutputMs },
  { key: 'audio', label: 'First audio (voice-to-voice)', value: (t) => t.firstAudioMs },
];

const LABEL_W = 64;
const VALUE_W = 84;
const TOP = 22;
const ROW_H = 34;
const BAR_H = 16;
const TOOL_H = 5;
const BOTTOM = 42;

/** A step of 1, 2 or 5 × 10ⁿ near `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const turnMax = (t: TurnLatency): number => Math.max(0, ...MILESTONES.map((m) => m.value(t) ?? 0), t.toolMs ?? 0);

/** The chart for `turns`, redrawn to its width; `dispose` stops watching the size. */
export function latencyChart(turns: readonly TurnLatency[]): { element: HTMLElement; dispose: () => void } {
  if (turns.length === 0) {
    const p = el('p', { class: 'muted' }, 'No voice turns were measured in this session. Latency is measured from the end of spoken input; typed messages have none.');
    return { element: p, dispose: () => undefined };
  }
  const canvas = el('div', { class: 'latency-canvas' });
  // Off screen but read (sr-only on a wrapper: a table ignores a 1px width), or shown on demand.
  const table = el('div', { class: 'table-wrap sr-only', id: 'latency-table' }, latencyTable(turns));
  const toggle = button('Show as table', () => {
    const shown = table.classList.toggle('sr-only') === false;
    toggle.setAttribute('aria-expanded', String(shown));
    toggle.textContent = shown ? 'Hide table' : 'Show as table';
  }, { class: 'link-button', 'aria-expanded': 'false', 'aria-controls': 'latency-table' });

  const figure = el(
    'figure',
    { class: 'latency-chart' },
    legend(),
    canvas,
    el('figcaption', { class: 'muted small' }, 'Each bar starts when the caller stopped speaking; a segment ends at the event of its colour. The figure at the right is voice-to-voice: end of speech to first audio.'),
    toggle,
    table,
  );

  let width = 0;
  const draw = (): void => {
    const w = Math.max(280, Math.floor(canvas.clientWidth || 640));
    if (w === width) return;
    width = w;
    fill(canvas, drawSvg(turns, w));
  };
  draw();
  const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => draw());
  observer?.observe(canvas);
  return { element: figure, dispose: () => observer?.disconnect() };
}

function legend(): HTMLElement {
  return el(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    ...MILESTONES.map((m) => el('li', {}, el('span', { class: `swatch lat-${m.key}` }), m.label)),
    el('li', {}, el('span', { class: 'swatch thin lat-tool' }), 'Time in tools'),
  );
}

function drawSvg(turns: readonly TurnLatency[], width: number): SVGSVGElement {
  const plotLeft = LABEL_W;
  const plotRight = width - VALUE_W;
  const plotW = Math.max(40, plotRight - plotLeft);
  const height = TOP + turns.length * ROW_H + BOTTOM;
  const plotBottom = TOP + turns.length * ROW_H;

  const max = Math.max(1, ...turns.map(turnMax));
  const step = niceStep(max / Math.max(2, Math.min(8, Math.floor(plotW / 60))));
  const domain = Math.ceil(max / step) * step;
  const x = (ms: number): number => plotLeft + (Math.max(0, ms) / domain) * plotW;
  const inSeconds = domain >= 2000;
  const tickLabel = (ms: number): string => (inSeconds ? String(Number((ms / 1000).toFixed(2))) : String(Math.round(ms)));

  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'latency-svg', 'aria-hidden': 'true', focusable: 'false' });

  // Grid and x axis.
  for (let t = 0; t <= domain + step / 2; t += step) {
    const gx = x(t);
    root.append(
      svg('line', { x1: gx, x2: gx, y1: TOP, y2: plotBottom, class: t === 0 ? 'axis' : 'grid' }),
      svg('text', { x: gx, y: plotBottom + 16, 'text-anchor': 'middle', class: 'tick' }, tickLabel(t)),
    );
  }
  root.append(
    svg('line', { x1: plotLeft, x2: plotRight, y1: plotBottom, y2: plotBottom, class: 'axis' }),
    svg('text', { x: plotLeft + plotW / 2, y: plotBottom + 34, 'text-anchor': 'middle', class: 'axis-title' }, axisTitle(inSeconds, plotW)),
    svg('text', { x: width - 2, y: TOP - 8, 'text-anchor': 'end', class: 'tick' }, 'voice-to-voice'),
  );

  turns.forEach((turn, i) => {
    const y = TOP + i * ROW_H + 4;
    const name = `Turn ${i + 1}`;
    const g = svg('g', { class: 'turn-bar', 'data-item-id': turn.itemId });
    g.append(svg('text', { x: plotLeft - 8, y: y + BAR_H / 2 + 4, 'text-anchor': 'end', class: 'row-label' }, name));

    const points = MILESTONES.flatMap((m) => {
      const v = m.value(turn);
      return v === null ? [] : [{ ...m, v }];
    }).sort((a, b) => a.v - b.v);
    let prev = 0;
    for (const p of points) {
      const w = x(p.v) - x(prev);
      if (w > 0) {
        g.append(
          svg(
            'rect',
            { x: x(prev), y, width: Math.max(1, w), height: BAR_H, class: `seg lat-${p.key}` },
            svg('title', {}, `${name}: ${p.label.toLowerCase()} at ${formatMs(p.v)} (${formatMs(p.v - prev)} after the previous event)`),
          ),
        );
      }
      prev = Math.max(prev, p.v);
    }
    if (points.length === 0) g.append(svg('text', { x: plotLeft + 4, y: y + BAR_H / 2 + 4, class: 'tick' }, 'no response measured'));
    if (turn.toolMs !== null && turn.toolMs > 0) {
      g.append(svg('rect', { x: x(0), y: y + BAR_H + 3, width: Math.max(1, x(turn.toolMs) - x(0)), height: TOOL_H, class: 'seg lat-tool' }, svg('title', {}, `${name}: ${formatMs(turn.toolMs)} in tools`)));
    }
    g.append(svg('text', { x: plotRight + 8, y: y + BAR_H / 2 + 4, class: 'value-label' }, turn.firstAudioMs === null ? 'no audio' : formatMs(turn.firstAudioMs)));
    root.append(g);
  });
  return root;
}

function axisTitle(inSeconds: boolean, plotW: number): string {
  if (plotW < 360) return `${inSeconds ? 's' : 'ms'} after end of speech`;
  return `${inSeconds ? 'Seconds' : 'Milliseconds'} after the caller stopped speaking`;
}

function latencyTable(turns: readonly TurnLatency[]): HTMLTableElement {
  const cell = (ms: number | null): HTMLTableCellElement => el('td', { class: 'num' }, ms === null ? el('span', { 'aria-label': 'did not happen' }, '—') : formatMs(ms));
  return el(
    'table',
    { class: 'data latency-table' },
    el('caption', {}, 'Latency per voice turn, measured from the end of the caller’s speech'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'Turn'),
        el('th', { scope: 'col' }, 'Recorded at'),
        el('th', { scope: 'col' }, 'Transcript ready'),
        el('th', { scope: 'col' }, 'First model output'),
        el('th', { scope: 'col' }, 'First audio (voice-to-voice)'),
        el('th', { scope: 'col' }, 'Time in tools'),
      ),
    ),
    el(
      'tbody',
      {},
      ...turns.map((t, i) =>
        el('tr', {}, el('th', { scope: 'row' }, `Turn ${i + 1}`), el('td', {}, formatTime(t.at)), cell(t.transcriptMs), cell(t.firstOutputMs), cell(t.firstAudioMs), cell(t.toolMs)),
      ),
    ),
  );
}
