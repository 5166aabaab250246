import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { openStore } from '../../src/store/index.js';
import type { SessionDetail, Store } from '../../src/store/types.js';
import { WEB_DIR } from '../../src/server/web-app.js';
import { formatCost, formatMs } from '../../web/src/admin/format.js';
import { launchChromium, missingBrowser } from '../helpers/browser.js';
import { RawClient, type Json } from '../helpers/realtime-client.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { streamRealtime } from '../helpers/voice-session.js';

/*
 * The admin view in a real Chromium against a real server: sessions made over /v1/realtime
 * with the embedded engine and the receptionist agent (one ended after a spoken booking and a
 * typed question, one still live), then signed in, listed, opened and hung up from the page.
 * PARLEY_SCREENSHOTS=1 also writes docs/screenshots/admin-session{,-mobile}.png.
 */

const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const SCREENSHOTS = process.env.PARLEY_SCREENSHOTS === '1';
/** Text from a caller that would be markup if it were ever parsed as HTML. */
const HOSTILE = 'Note from the caller: <img src=x onerror="window.__pwned=1"> & <b>bold</b>';

const spoken = (r: Json): string => JSON.stringify(r.output ?? []);

const skip = missingBrowser() ?? missingTools() ?? false;

describe('the admin view at /admin (Chromium)', { skip }, () => {
  let srv: TestServer;
  let store: Store;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let adminKey: string;
  let agentKey: string;
  let endedId: string;
  let liveId: string;
  let live: RawClient;
  const audio = new AudioFactory();
  const pageErrors: string[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const until = async (what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    assert.ok(existsSync(join(WEB_DIR, 'admin.html')), 'the web app is not built: run npm run build:web first');
    // The receptionist, with its idle prompts pushed out so the live call stays open while the test runs.
    dir = mkdtempSync(join(tmpdir(), 'parley-admin-'));
    const receptionist = readFileSync('agents/receptionist.yaml', 'utf8');
    assert.match(receptionist, /idleTimeoutMs: \d+/);
    writeFileSync(join(dir, 'receptionist.yaml'), receptionist.replace(/idleTimeoutMs: \d+/, 'idleTimeoutMs: 600000'));
    store = await openStore({ dataDir: 'memory://' });
    const keys = new ApiKeyStore(store.db);
    adminKey = (await keys.create({ name: 'ops', scopes: ['admin'] })).secret;
    agentKey = (await keys.create({ name: 'widget', scopes: ['agent:receptionist'] })).secret;
    // A price for every model, so the estimated cost is not zero.
    const pricing = { '*': { textInput: 4, textCachedInput: 0.4, textOutput: 16, audioInput: 32, audioCachedInput: 0.4, audioOutput: 64 } };
    srv = await startTestServer({ engine: { default: 'local' }, pricing }, { agentsDir: dir, store });

    // Session 1, ended: a spoken booking (a voice turn, so latency is measured), a typed question, a typed note.
    const ws = await RawClient.connect(`${srv.wsUrl}?caller_id=caller-ended-1`);
    endedId = (await ws.next('session.created')).session.id as string;
    await ws.next('response.done', undefined, 15_000); // greeting
    const speech = audio.speech("I'd like to book a consultation next Tuesday at ten a.m.", 0.5, 1.2, 24000);
    await streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    await ws.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 15_000);
    await ws.next('response.done', (e) => /all set/.test(spoken(e.response)), 15_000);
    const question = audio.speech('When are you open', 0.5, 1.2, 24000);
    await streamRealtime(ws, mix(question, whiteNoise(question.length), MIC_FLOOR_RMS));
    await ws.next('response.done', undefined, 15_000);
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Is there anything available on Wednesday for a consultation' }] } });
    ws.send({ type: 'response.create' });
    await ws.next('response.function_call_arguments.done', (e) => e.name === 'check_availability', 15_000);
    await ws.next('response.done', (e) => !spoken(e.response).includes('function_call'), 15_000);
    await ws.close();
    await until('session 1 is recorded as ended', async () => (await api<SessionDetail>(`/api/sessions/${endedId}`)).endedAt !== null);

    // Session 2, live: greeted, then left open.
    live = await RawClient.connect(`${srv.wsUrl}?caller_id=caller-live-2`);
    liveId = (await live.next('session.created')).session.id as string;
    await live.next('response.done', undefined, 15_000);
    live.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: HOSTILE }] } });
    await live.next('conversation.item.done', (e) => e.item.role === 'user');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await live?.close();
    await srv?.close();
    audio.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a key that is not an admin key, or not a key at all, is refused with what to do; nothing is kept', async () => {
    await page.goto(`${srv.url}/admin`);
    const input = page.getByLabel('Admin key');
    await input.fill(agentKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.locator('#sign-in-error');
    await alert.waitFor({ state: 'visible' });
    const scoped = await alert.innerText();
    assert.match(scoped, /This key is not an admin key\./);
    assert.match(scoped, /parley keys create --name ops --scope admin/);
    assert.match(scoped, /does not have the admin scope/, 'the server’s own message is shown too');
    assert.equal(await alert.getAttribute('role'), 'alert');

    await input.fill('not-a-parley-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => /not valid on this server/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }).document.getElementById('sign-in-error')?.textContent ?? ''));
    assert.equal(await page.evaluate('sessionStorage.getItem("parley.admin.key")'), null);
  });

  it('the admin key: live and past sessions are listed with their agent, caller, transport, engine and cost', async () => {
    await page.getByLabel('Admin key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("parley.admin.key")'), adminKey);

    const liveSection = page.locator('section[aria-labelledby="live-title"]');
    const pastSection = page.locator('section[aria-labelledby="past-title"]');
    const liveRow = liveSection.locator(`tr[data-id="${liveId}"]`);
    const endedRow = pastSection.locator(`tr[data-id="${endedId}"]`);
    await liveRow.waitFor();
    await endedRow.waitFor();
    assert.equal(await liveSection.locator(`tr[data-id="${endedId}"]`).count(), 0, 'the ended session is not live');
    assert.equal(await pastSection.locator(`tr[data-id="${liveId}"]`).count(), 0, 'the live session is not past');
    assert.match(await liveSection.locator('#live-count').innerText(), /^1 live session\.$/);

    const ended = await api<SessionDetail>(`/api/sessions/${endedId}`);
    assert.ok(ended.totals.costUsd > 0, 'the test prices make a cost');
    const cells = async (row: typeof endedRow): Promise<Record<string, string>> =>
      Object.fromEntries(await row.locator('td[data-col]').evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-col') ?? '', (td.textContent ?? '').trim()])));
    const { duration, ...endedCells } = await cells(endedRow);
    assert.deepEqual(endedCells, { agent: 'receptionist', caller: 'caller-ended-1', transport: 'websocket', engine: 'local', reason: ended.endReason });
    assert.match(duration ?? '', /^\d+ s$/);
    await page.waitForFunction((id) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document;
      return doc.querySelector(`tr[data-id="${id}"] td.cost`)?.textContent !== '…';
    }, endedId);
    assert.equal((await endedRow.locator('td.cost').innerText()).trim(), formatCost(ended.totals.costUsd));
    const { duration: liveDuration, ...liveCells } = await cells(liveRow);
    assert.deepEqual(liveCells, { agent: 'receptionist', caller: 'caller-live-2', transport: 'websocket', engine: 'local' });
    assert.match(liveDuration ?? '', /^\d+ s$/);
  });

  it('the ended session: transcript of both sides, the tool calls with their arguments, one latency bar per measured turn, cost', async () => {
    // By keyboard: the session's link, then Enter.
    await page.locator(`a[data-session-id="${endedId}"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator('.detail-grid:not([hidden])').waitFor();
    const d = await api<SessionDetail>(`/api/sessions/${endedId}`);
    assert.equal(await page.locator('.badge.live, .badge.ended').first().innerText(), 'Ended');
    assert.equal(await page.getByRole('button', { name: 'End call' }).count(), 0, 'an ended session cannot be ended');

    // The conversation: every transcript item, both sides, in the page's text.
    const timeline = page.locator('ol.timeline');
    assert.ok(d.transcript.some((t) => t.role === 'user') && d.transcript.some((t) => t.role === 'assistant'));
    for (const t of d.transcript) {
      const entry = timeline.locator(`li[data-item-id="${t.itemId}"]`);
      assert.equal((await entry.locator('.text').innerText()).trim(), t.text.trim());
      assert.equal(await entry.locator('.who').innerText(), t.role === 'user' ? 'Caller' : 'Agent');
    }
    assert.match(await timeline.innerText(), /Is there anything available on Wednesday for a consultation/);
    assert.match(await timeline.innerText(), /You're all set/);

    // Tool calls: name, status, duration, arguments; results on demand.
    const names = d.toolCalls.map((c) => c.name);
    assert.ok(names.includes('book_appointment') && names.includes('check_availability'), names.join());
    for (const c of d.toolCalls) {
      const entry = timeline.locator(`li[data-call-id="${c.callId}"]`);
      assert.equal(await entry.locator('.tool-name').innerText(), c.name);
      assert.equal(await entry.locator('.badge').innerText(), c.error ? `failed: ${c.error}` : 'ok');
      assert.ok((await entry.innerText()).includes(formatMs(c.latencyMs)));
      assert.deepEqual(JSON.parse(await entry.locator('.args pre').innerText()), c.arguments);
      await entry.locator('summary').click();
      assert.deepEqual(JSON.parse(await entry.locator('details pre').innerText()), c.output);
    }
    const booking = timeline.locator(`li[data-call-id="${d.toolCalls.find((c) => c.name === 'book_appointment')?.callId}"] .args pre`);
    assert.match(await booking.innerText(), /"service": "consultation"/);
    assert.match(await booking.innerText(), /"time": "10:00"/);

    // Latency: one bar per turn the server measured (the two spoken ones; typed turns have none), and the same numbers as a table.
    assert.equal(d.transcript.filter((t) => t.role === 'user').length, 3);
    assert.equal(d.turns.length, 2, 'the spoken turns were measured');
    const bars = page.locator('svg.latency-svg g.turn-bar');
    assert.equal(await bars.count(), d.turns.length);
    for (const [i, t] of d.turns.entries()) {
      const bar = bars.nth(i);
      assert.equal(await bar.getAttribute('data-item-id'), t.itemId);
      assert.ok((await bar.locator('rect.seg').count()) >= 1, 'the bar has segments');
      assert.equal(await bar.locator('text.value-label').textContent(), t.firstAudioMs === null ? 'no audio' : formatMs(t.firstAudioMs));
    }
    assert.equal(await page.locator('svg.latency-svg').getAttribute('aria-hidden'), 'true');
    const table = page.getByRole('table', { name: /Latency per voice turn/ });
    assert.equal(await table.locator('tbody tr').count(), d.turns.length);
    assert.equal(await table.locator('tbody tr').first().locator('td').nth(3).innerText(), formatMs(d.turns[0]?.firstAudioMs ?? null));
    await page.getByRole('button', { name: 'Show as table' }).click();
    assert.equal(await page.locator('#latency-table').evaluate((n) => n.classList.contains('sr-only')), false);
    await page.getByRole('button', { name: 'Hide table' }).click();

    // Cost and usage.
    assert.equal(await page.locator('.total-cost').innerText(), formatCost(d.totals.costUsd));
    assert.equal(await page.locator('table.usage tbody tr').count(), d.usage.length);

    // The recording is fetched with the key: this agent does not record, and the server says so.
    await page.getByRole('button', { name: 'Caller’s track' }).click();
    await page.locator('.recording .error').waitFor();
    assert.match(await page.locator('.recording .error').innerText(), /does not record/);

    if (SCREENSHOTS) {
      mkdirSync('docs/screenshots', { recursive: true });
      await page.locator('.recording').evaluate((n) => n.remove());
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: 'docs/screenshots/admin-session.png', fullPage: true });
    }
    // A phone: one column, nothing wider than the screen, the chart redrawn to fit.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document;
      return Number(doc.querySelector('svg.latency-svg')?.getAttribute('width')) <= 390;
    });
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    assert.ok(scrollWidth <= 390, `no horizontal scrolling at 390 px (the page is ${scrollWidth} px wide)`);
    const columns = ((await page.evaluate("getComputedStyle(document.querySelector('.detail-grid')).gridTemplateColumns")) as string).split(' ').length;
    assert.equal(columns, 1);
    // The first two screens' worth: title, overview, latency chart, the start of the conversation.
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/admin-session-mobile.png', fullPage: true, clip: { x: 0, y: 0, width: 390, height: 2 * 844 } });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('End call on the live session ends it on the server, and the lists move it', async () => {
    await page.getByRole('link', { name: '← All sessions' }).click();
    await page.locator(`a[data-session-id="${liveId}"]`).click();
    await page.locator('.badge.live').waitFor();
    assert.ok(srv.server.sessions.get(liveId), 'live before');
    // Server text is text: the caller's markup is shown, never run.
    const timeline = page.locator('ol.timeline');
    await page.waitForFunction((text) => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes(text), HOSTILE);
    assert.equal(await timeline.locator('img, b').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);

    await page.getByRole('button', { name: 'End call' }).click();
    // A confirmation in place, focused; nothing has happened yet.
    const confirm = page.getByRole('button', { name: 'Yes, end the call' });
    assert.equal(await confirm.evaluate((b) => b === (b.ownerDocument.activeElement as unknown)), true);
    assert.ok(srv.server.sessions.get(liveId));
    await confirm.click();
    await page.locator('.badge.ended').waitFor({ timeout: 15_000 });
    assert.match(await page.getByRole('status').first().innerText(), /The call has ended \(hung up/);
    assert.equal(srv.server.sessions.get(liveId), undefined, 'the registry no longer has it');
    assert.equal((await live.closed).code, 1000);
    assert.equal(await page.getByRole('button', { name: 'End call' }).isVisible(), false);
    const d = await api<SessionDetail>(`/api/sessions/${liveId}`);
    assert.match(d.endReason ?? '', /hung up/);

    await page.getByRole('link', { name: '← All sessions' }).click();
    await page.locator(`section[aria-labelledby="past-title"] tr[data-id="${liveId}"]`).waitFor();
    assert.equal(await page.locator(`section[aria-labelledby="live-title"] tr[data-id="${liveId}"]`).count(), 0);
    assert.match(await page.locator('#live-count').innerText(), /^No live sessions\.$/);
  });

  it('sign out forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("parley.admin.key")'), null);
    assert.deepEqual(pageErrors, []);
  });
});
