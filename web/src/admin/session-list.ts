import { ApiError, type AdminApi, type Session } from './api.js';
import { button, el } from './dom.js';
import { callerLabel, formatCost, formatDateTime, formatDuration, formatTime, sessionSeconds } from './format.js';
import { Poller } from './poll.js';
import type { View } from './view.js';

/*
 * The sessions page: live sessions (polled every few seconds while the tab is visible) and
 * past ones (newest first, paged with `before`). Rows are updated in place, so focus and
 * scroll survive a refresh; only the counts are announced (aria-live).
 */

const LIVE_POLL_MS = 4000;
const PAGE = 20;

interface Column {
  key: string;
  label: string;
  num?: boolean;
  value: (s: Session) => string;
}

const COLUMNS: readonly Column[] = [
  { key: 'agent', label: 'Agent', value: (s) => s.agent },
  { key: 'caller', label: 'Caller', value: (s) => callerLabel(s.callerId) },
  { key: 'transport', label: 'Transport', value: (s) => s.transport },
  { key: 'engine', label: 'Engine', value: (s) => s.engine },
  { key: 'duration', label: 'Duration', num: true, value: (s) => formatDuration(sessionSeconds(s)) },
  { key: 'reason', label: 'End reason', value: (s) => s.endReason ?? '—' },
];

/**
 * Cost is not part of a session row (SessionSchema has no totals): it is read from each
 * session's detail, a few at a time, once for ended sessions and on every refresh for live ones.
 */
class Costs {
  private readonly known = new Map<string, number>();
  private readonly queue: string[] = [];
  private readonly inFlight = new Set<string>();
  private active = 0;
  private closed = false;

  constructor(
    private readonly api: AdminApi,
    private readonly show: (id: string, text: string) => void,
  ) {}

  text(id: string): string {
    const c = this.known.get(id);
    return c === undefined ? '…' : formatCost(c);
  }

  /** Asks for these sessions' costs; `fresh`: ask again even when known (live sessions). */
  want(ids: readonly string[], fresh = false): void {
    for (const id of ids) {
      if ((!fresh && this.known.has(id)) || this.inFlight.has(id) || this.queue.includes(id)) continue;
      this.queue.push(id);
    }
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (!this.closed && this.active < 3 && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      this.active++;
      this.inFlight.add(id);
      this.api
        .session(id)
        .then((d) => {
          this.known.set(id, d.totals.costUsd);
          if (!this.closed) this.show(id, formatCost(d.totals.costUsd));
        })
        .catch(() => {
          if (!this.closed && !this.known.has(id)) this.show(id, '?');
        })
        .finally(() => {
          this.active--;
          this.inFlight.delete(id);
          this.pump();
        });
    }
  }
}

/** A table of sessions whose rows are kept by id and updated in place. */
class SessionTable {
  readonly element: HTMLElement;
  private readonly tbody = el('tbody');
  private readonly empty: HTMLParagraphElement;
  private readonly rows = new Map<string, HTMLTableRowElement>();

  constructor(
    caption: string,
    emptyText: string,
    private readonly columns: readonly Column[],
    private readonly costs: Costs,
  ) {
    const table = el(
      'table',
      { class: 'data sessions' },
      el('caption', { class: 'sr-only' }, caption),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Started'), ...columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)), el('th', { scope: 'col', class: 'num' }, 'Cost'))),
      this.tbody,
    );
    this.empty = el('p', { class: 'muted empty', hidden: true }, emptyText);
    this.element = el('div', { class: 'table-wrap' }, table, this.empty);
  }

  get size(): number {
    return this.rows.size;
  }

  set(sessions: readonly Session[]): void {
    const keep = new Set(sessions.map((s) => s.id));
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    sessions.forEach((s, i) => {
      let row = this.rows.get(s.id);
      if (row) this.update(row, s);
      else this.rows.set(s.id, (row = this.row(s)));
      // Only rows out of place move (moving a row would drop the focus inside it).
      if (this.tbody.children[i] !== row) this.tbody.insertBefore(row, this.tbody.children[i] ?? null);
    });
    this.empty.hidden = sessions.length > 0;
  }

  showCost(id: string, text: string): void {
    const cell = this.rows.get(id)?.querySelector('td.cost');
    if (cell) cell.textContent = text;
  }

  private row(s: Session): HTMLTableRowElement {
    const link = el(
      'a',
      { href: `#/sessions/${encodeURIComponent(s.id)}`, class: 'session-link', 'data-session-id': s.id },
      formatDateTime(s.startedAt),
      el('span', { class: 'sr-only' }, `: ${s.agent} with ${callerLabel(s.callerId)}`),
    );
    return el(
      'tr',
      { 'data-id': s.id },
      el('td', { 'data-label': 'Started' }, link, el('div', { class: 'id muted small' }, s.id)),
      ...this.columns.map((c) => el('td', { 'data-label': c.label, 'data-col': c.key, class: c.num ? 'num' : undefined }, c.value(s))),
      el('td', { 'data-label': 'Cost', class: 'num cost' }, this.costs.text(s.id)),
    );
  }

  private update(row: HTMLTableRowElement, s: Session): void {
    for (const c of this.columns) {
      const cell = row.querySelector(`td[data-col="${c.key}"]`);
      const text = c.value(s);
      if (cell && cell.textContent !== text) cell.textContent = text;
    }
  }
}

export function sessionListView(api: AdminApi): View {
  const costs = new Costs(api, (id, text) => {
    live.showCost(id, text);
    past.showCost(id, text);
  });
  const live = new SessionTable('Live sessions', 'No live sessions right now.', COLUMNS.filter((c) => c.key !== 'reason'), costs);
  const past = new SessionTable('Past sessions, newest first', 'No past sessions yet.', COLUMNS, costs);

  const liveCount = el('span', {}, 'Loading live sessions…');
  const liveUpdated = el('span', { class: 'muted small' });
  const liveError = el('p', { class: 'error', role: 'alert', hidden: true });
  const pastCount = el('span', {}, 'Loading past sessions…');
  const pastError = el('p', { class: 'error', role: 'alert', hidden: true });

  let pastRows: Session[] = [];
  let hasMore = false;
  let liveIds = new Set<string>();
  let firstLive = true;

  const more = button('Load older sessions', () => void loadOlder(), { class: 'more', hidden: true });
  const refreshPast = button('Refresh', () => void loadPastHead(), { class: 'small-button' });
  const refreshLive = button('Refresh', () => void poller.now(), { class: 'small-button' });

  const element = el(
    'div',
    { class: 'sessions-page' },
    el('h1', { tabindex: '-1', class: 'page-title' }, 'Sessions'),
    el(
      'section',
      { class: 'panel', 'aria-labelledby': 'live-title' },
      el('div', { class: 'section-head' }, el('h2', { id: 'live-title' }, 'Live sessions'), refreshLive),
      el('p', { class: 'status' }, el('span', { 'aria-live': 'polite', id: 'live-count' }, liveCount), ' ', liveUpdated),
      liveError,
      live.element,
    ),
    el(
      'section',
      { class: 'panel', 'aria-labelledby': 'past-title' },
      el('div', { class: 'section-head' }, el('h2', { id: 'past-title' }, 'Past sessions'), refreshPast),
      el('p', { class: 'status', 'aria-live': 'polite', id: 'past-count' }, pastCount),
      pastError,
      past.element,
      more,
    ),
  );

  const showError = (node: HTMLElement, err: unknown): void => {
    if (err instanceof DOMException && err.name === 'AbortError') return;
    node.textContent = err instanceof Error ? err.message : String(err);
    node.hidden = false;
  };

  const setPast = (rows: Session[]): void => {
    pastRows = rows;
    past.set(rows);
    pastCount.textContent = rows.length === 0 ? 'No past sessions.' : `${rows.length} past session${rows.length === 1 ? '' : 's'} shown${hasMore ? '; older ones can be loaded' : ''}.`;
    more.hidden = !hasMore;
    costs.want(rows.map((s) => s.id));
  };

  /** The newest page, merged with what is already shown (a session that just ended moves here). */
  async function loadPastHead(): Promise<void> {
    try {
      const head = await api.pastSessions({ limit: PAGE });
      pastError.hidden = true;
      if (pastRows.length === 0) hasMore = head.length === PAGE;
      const byId = new Map(pastRows.map((s) => [s.id, s]));
      for (const s of head) byId.set(s.id, s);
      setPast([...byId.values()].sort(newestFirst));
    } catch (err) {
      if (!(err instanceof ApiError && err.isAuth)) showError(pastError, err);
    }
  }

  async function loadOlder(): Promise<void> {
    const last = pastRows[pastRows.length - 1];
    if (!last) return loadPastHead();
    more.disabled = true;
    more.textContent = 'Loading…';
    try {
      const page = await api.pastSessions({ limit: PAGE, before: last.startedAt });
      pastError.hidden = true;
      hasMore = page.length === PAGE;
      const seen = new Set(pastRows.map((s) => s.id));
      setPast([...pastRows, ...page.filter((s) => !seen.has(s.id))]);
    } catch (err) {
      if (!(err instanceof ApiError && err.isAuth)) showError(pastError, err);
    } finally {
      more.disabled = false;
      more.textContent = 'Load older sessions';
    }
  }

  const poller = new Poller(async () => {
    try {
      const sessions = await api.liveSessions();
      liveError.hidden = true;
      live.set(sessions);
      const ids = new Set(sessions.map((s) => s.id));
      const count = sessions.length === 0 ? 'No live sessions.' : `${sessions.length} live session${sessions.length === 1 ? '' : 's'}.`;
      if (liveCount.textContent !== count) liveCount.textContent = count;
      liveUpdated.textContent = `Updated ${formatTime(new Date().toISOString())}; refreshes every ${LIVE_POLL_MS / 1000} s while this tab is visible.`;
      costs.want(sessions.map((s) => s.id), true);
      // Sessions that left the live list have ended: they belong among the past ones now.
      const ended = [...liveIds].some((id) => !ids.has(id));
      liveIds = ids;
      if (ended && !firstLive) await loadPastHead();
      firstLive = false;
    } catch (err) {
      if (!(err instanceof ApiError && err.isAuth)) showError(liveError, err);
      throw err;
    }
  }, LIVE_POLL_MS);

  return {
    element,
    start: () => {
      poller.start();
      void loadPastHead();
    },
    dispose: () => {
      poller.stop();
      costs.close();
    },
  };
}

const newestFirst = (a: Session, b: Session): number => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id);
