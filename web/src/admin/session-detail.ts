import { ApiError, type AdminApi, type SessionDetail, type ToolCall, type Track, type TranscriptItem } from './api.js';
import { button, el, fill, type Child } from './dom.js';
import { callerLabel, formatCost, formatCount, formatDateTime, formatDuration, formatJson, formatMs, formatTime, sessionSeconds } from './format.js';
import { latencyChart } from './latency-chart.js';
import { Poller } from './poll.js';
import type { View } from './view.js';

/*
 * One session: overview, latency per turn, the conversation (both sides, with the tool calls
 * where they happened), usage and cost, recordings. A live session is refreshed every few
 * seconds and can be ended (POST /v1/realtime/calls/:id/hangup).
 */

const LIVE_POLL_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function section(id: string, title: string, body: HTMLElement, extra: Child = null): HTMLElement {
  return el('section', { class: `panel detail-${id}`, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), extra, body);
}

export function sessionDetailView(api: AdminApi, id: string): View {
  let detail: SessionDetail | null = null;
  let disposed = false;
  const seen = { conversation: '', turns: '', usage: '' };
  const openResults = new Set<string>();
  const blobUrls: string[] = [];
  let disposeChart: () => void = () => undefined;

  const heading = el('h1', { tabindex: '-1', class: 'page-title' }, 'Session ', el('code', { class: 'id' }, id));
  const badge = el('span', { class: 'badge', hidden: true });
  const loadError = el('p', { class: 'error', role: 'alert', hidden: true });
  const liveNote = el('p', { class: 'muted small', hidden: true });
  // What a refresh brought, announced briefly (the refreshed sections themselves are not live regions).
  const announce = el('p', { class: 'sr-only', 'aria-live': 'polite' });

  // Ending the call: a button, then a confirmation in place (no blocking dialog).
  const actionStatus = el('p', { class: 'status', role: 'status' });
  const endButton = button('End call', () => {
    endButton.hidden = true;
    confirmBox.hidden = false;
    confirmButton.focus();
  }, { class: 'danger' });
  const confirmButton = button('Yes, end the call', () => void hangup(), { class: 'danger' });
  const cancelButton = button('Cancel', () => {
    confirmBox.hidden = true;
    endButton.hidden = false;
    endButton.focus();
  });
  const confirmBox = el('div', { class: 'confirm', hidden: true }, el('span', {}, 'End this call for the caller now?'), confirmButton, cancelButton);
  const actions = el('div', { class: 'actions', hidden: true }, endButton, confirmBox);

  const overview = el('dl', { class: 'facts' });
  const latency = el('div', { class: 'latency-body' });
  const conversation = el('ol', { class: 'timeline' });
  const usage = el('div', { class: 'usage-body' });
  const recording = recordingSection(api, id, blobUrls);

  const grid = el(
    'div',
    { class: 'detail-grid', hidden: true },
    section('overview', 'Overview', overview),
    section('latency', 'Latency per turn', latency),
    section('conversation', 'Conversation', conversation, el('p', { class: 'muted small' }, 'What the caller and the agent said, with the tools the agent called, in order.')),
    section('usage', 'Usage and cost', usage),
    section('recording', 'Recording', recording),
  );

  const element = el(
    'div',
    { class: 'detail-page' },
    el('p', { class: 'back' }, el('a', { href: '#/' }, '← All sessions')),
    el('div', { class: 'title-row' }, heading, badge),
    actions,
    actionStatus,
    liveNote,
    announce,
    loadError,
    grid,
  );

  function render(d: SessionDetail): void {
    const isLive = d.endedAt === null;
    if (detail && detail.endedAt === null && !isLive) announce.textContent = 'The session has ended.';
    badge.hidden = false;
    badge.textContent = isLive ? 'Live' : 'Ended';
    badge.className = `badge ${isLive ? 'live' : 'ended'}`;
    actions.hidden = !isLive;
    liveNote.hidden = !isLive;
    liveNote.textContent = isLive ? `Live: refreshed every ${LIVE_POLL_MS / 1000} s while this tab is visible (last ${formatTime(new Date().toISOString())}).` : '';
    grid.hidden = false;
    renderOverview(d);

    const turnsKey = JSON.stringify(d.turns);
    if (turnsKey !== seen.turns) {
      seen.turns = turnsKey;
      disposeChart();
      const chart = latencyChart(d.turns);
      disposeChart = chart.dispose;
      fill(latency, chart.element);
    }
    const convKey = JSON.stringify([d.transcript, d.toolCalls]);
    if (convKey !== seen.conversation) {
      const added = d.transcript.length + d.toolCalls.length - conversation.querySelectorAll('li.entry').length;
      if (seen.conversation && added > 0) announce.textContent = `${added} new ${added === 1 ? 'entry' : 'entries'} in the conversation.`;
      seen.conversation = convKey;
      renderConversation(d);
    }
    const usageKey = JSON.stringify([d.usage, d.totals]);
    if (usageKey !== seen.usage) {
      seen.usage = usageKey;
      renderUsage(d);
    }
  }

  function renderOverview(d: SessionDetail): void {
    const row = (term: string, ...value: Child[]): HTMLElement[] => [el('dt', {}, term), el('dd', {}, ...value)];
    fill(
      overview,
      ...row('Agent', d.agent),
      ...row('Caller', callerLabel(d.callerId)),
      ...row('Transport', d.transport),
      ...row('Engine', d.engine),
      ...row('Started', formatDateTime(d.startedAt)),
      ...row('Ended', d.endedAt ? formatDateTime(d.endedAt) : 'still live'),
      ...row('Duration', formatDuration(sessionSeconds(d)), d.endedAt ? null : ' so far'),
      ...row('End reason', d.endReason ?? '—'),
      ...row('Estimated cost', el('strong', { class: 'total-cost' }, formatCost(d.totals.costUsd))),
      ...row('Tokens', `${formatCount(d.totals.inputTokens)} in · ${formatCount(d.totals.outputTokens)} out`),
      ...row('Tool calls', String(d.toolCalls.length), d.toolCalls.some((c) => c.error) ? ` (${d.toolCalls.filter((c) => c.error).length} failed)` : null),
      ...(d.summary ? row('Summary', d.summary) : []),
    );
  }

  function renderConversation(d: SessionDetail): void {
    type Entry = { at: number; order: number; node: HTMLElement };
    const entries: Entry[] = [
      ...d.transcript.map((t, i) => ({ at: Date.parse(t.at), order: i, node: transcriptEntry(t) })),
      ...d.toolCalls.map((c, i) => ({ at: Date.parse(c.at), order: d.transcript.length + i, node: toolEntry(c, openResults) })),
    ].sort((a, b) => a.at - b.at || a.order - b.order);
    if (entries.length === 0) fill(conversation, el('li', { class: 'muted' }, 'Nothing has been said yet.'));
    else fill(conversation, ...entries.map((e) => e.node));
  }

  function renderUsage(d: SessionDetail): void {
    if (d.usage.length === 0) {
      fill(usage, el('p', { class: 'muted' }, 'No responses have reported usage yet.'));
      return;
    }
    fill(
      usage,
      el(
        'table',
        { class: 'data usage' },
        el('caption', { class: 'sr-only' }, 'Usage and estimated cost per response'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Response'), el('th', { scope: 'col' }, 'At'), el('th', { scope: 'col', class: 'num' }, 'Input tokens'), el('th', { scope: 'col', class: 'num' }, 'Output tokens'), el('th', { scope: 'col', class: 'num' }, 'Cost'))),
        el(
          'tbody',
          {},
          ...d.usage.map((u) =>
            el(
              'tr',
              {},
              el('td', { 'data-label': 'Response' }, el('code', { class: 'id' }, u.responseId)),
              el('td', { 'data-label': 'At', class: 'nowrap' }, formatTime(u.at)),
              el('td', { 'data-label': 'Input tokens', class: 'num' }, formatCount(u.inputTokens)),
              el('td', { 'data-label': 'Output tokens', class: 'num' }, formatCount(u.outputTokens)),
              el('td', { 'data-label': 'Cost', class: 'num' }, formatCost(u.costUsd)),
            ),
          ),
        ),
        el(
          'tfoot',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'row', colspan: 2 }, `Total (${d.usage.length} response${d.usage.length === 1 ? '' : 's'})`),
            el('td', { 'data-label': 'Input tokens', class: 'num' }, formatCount(d.totals.inputTokens)),
            el('td', { 'data-label': 'Output tokens', class: 'num' }, formatCount(d.totals.outputTokens)),
            el('td', { 'data-label': 'Cost', class: 'num' }, formatCost(d.totals.costUsd)),
          ),
        ),
      ),
      el('p', { class: 'muted small' }, 'Costs are estimates from the server’s price table (pricing in its config).'),
    );
  }

  async function load(): Promise<SessionDetail | null> {
    try {
      const d = await api.session(id);
      if (disposed) return null;
      loadError.hidden = true;
      render(d);
      detail = d;
      return d;
    } catch (err) {
      if (disposed || (err instanceof ApiError && err.isAuth)) return null;
      loadError.textContent = err instanceof ApiError && err.code === 'session_not_found' ? `${err.message} It may have been made on another server, or the link is wrong.` : err instanceof Error ? err.message : String(err);
      loadError.hidden = false;
      if (detail === null) grid.hidden = true;
      throw err;
    }
  }

  async function hangup(): Promise<void> {
    confirmButton.disabled = true;
    cancelButton.disabled = true;
    actionStatus.textContent = 'Ending the call…';
    let failed = false;
    try {
      await api.hangup(id);
      actionStatus.textContent = 'The call is ending: the caller’s connection is being closed.';
    } catch (err) {
      failed = true;
      actionStatus.textContent = `The call was not ended: ${err instanceof Error ? err.message : String(err)}`;
    }
    confirmButton.disabled = false;
    cancelButton.disabled = false;
    confirmBox.hidden = true;
    endButton.hidden = false;
    endButton.focus();
    if (failed) {
      await load().catch(() => null);
      return;
    }
    // The end flushes records first; watch for it for a few seconds.
    for (let i = 0; i < 25 && !disposed; i++) {
      const d = await load().catch(() => null);
      if (d?.endedAt) {
        actionStatus.textContent = `The call has ended (${d.endReason ?? 'no reason given'}).`;
        poller.stop();
        heading.focus();
        return;
      }
      await sleep(400);
    }
  }

  const poller = new Poller(async () => {
    const d = await load();
    if (d?.endedAt) poller.stop();
  }, LIVE_POLL_MS);

  return {
    element,
    start: () => void poller.start(),
    dispose: () => {
      disposed = true;
      poller.stop();
      disposeChart();
      for (const url of blobUrls) URL.revokeObjectURL(url);
    },
  };
}

function transcriptEntry(t: TranscriptItem): HTMLElement {
  const who = t.role === 'user' ? 'Caller' : 'Agent';
  return el(
    'li',
    { class: `entry msg ${t.role}`, 'data-item-id': t.itemId },
    el('div', { class: 'entry-head' }, el('span', { class: 'who' }, who), el('time', { datetime: t.at, class: 'muted small' }, formatTime(t.at))),
    el('p', { class: 'text' }, t.text),
    t.truncated ? el('p', { class: 'muted small' }, 'Cut off by the caller (barge-in): this is what was heard.') : null,
  );
}

function toolEntry(c: ToolCall, openResults: Set<string>): HTMLElement {
  const result = el('details', { class: 'result' }, el('summary', {}, c.error ? 'Output' : 'Result'), el('pre', {}, formatJson(c.output)));
  result.open = openResults.has(c.callId);
  result.addEventListener('toggle', () => (result.open ? openResults.add(c.callId) : openResults.delete(c.callId)));
  return el(
    'li',
    { class: `entry tool ${c.error ? 'failed' : 'ok'}`, 'data-call-id': c.callId },
    el(
      'div',
      { class: 'entry-head' },
      el('span', { class: 'who' }, 'Tool call'),
      el('code', { class: 'tool-name' }, c.name),
      el('span', { class: `badge ${c.error ? 'bad' : 'good'}` }, c.error ? `failed: ${c.error}` : 'ok'),
      el('span', { class: 'muted small' }, formatMs(c.latencyMs)),
      el('time', { datetime: c.at, class: 'muted small' }, formatTime(c.at)),
    ),
    el('div', { class: 'args' }, el('span', { class: 'small muted' }, 'Arguments'), el('pre', {}, formatJson(c.arguments))),
    result,
  );
}

/** Recordings need the Bearer key, so they are fetched as blobs and played from object URLs. */
function recordingSection(api: AdminApi, id: string, blobUrls: string[]): HTMLElement {
  const out = el('div', { class: 'recordings', 'aria-live': 'polite' });
  const load = async (track: Track, b: HTMLButtonElement): Promise<void> => {
    b.disabled = true;
    const slot = el('div', { class: 'recording' }, el('p', { class: 'muted' }, `Loading the ${track}’s track…`));
    out.querySelector(`[data-track="${track}"]`)?.remove();
    slot.dataset.track = track;
    out.append(slot);
    try {
      const blob = await api.recording(id, track);
      const url = URL.createObjectURL(blob);
      blobUrls.push(url);
      fill(
        slot,
        el('p', {}, `${track === 'caller' ? 'Caller' : 'Agent'}’s track`),
        el('audio', { controls: true, src: url, preload: 'metadata' }),
        el('a', { href: url, download: `${id}-${track}.wav` }, `Download ${track} track (WAV, ${(blob.size / 1024 / 1024).toFixed(1)} MB)`),
      );
    } catch (err) {
      fill(slot, el('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
    } finally {
      b.disabled = false;
    }
  };
  const caller: HTMLButtonElement = button('Caller’s track', () => void load('caller', caller));
  const agent: HTMLButtonElement = button('Agent’s track', () => void load('agent', agent));
  return el(
    'div',
    {},
    el('p', { class: 'muted small' }, 'Only sessions of agents with recording: true are recorded. Each side is a separate WAV track.'),
    el('div', { class: 'button-row' }, caller, agent),
    out,
  );
}
