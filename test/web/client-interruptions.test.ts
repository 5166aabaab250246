import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Store } from '../../src/store/types.js';
import { missingBrowser, type MicSegment } from '../helpers/browser.js';
import type { TestServer } from '../helpers/server.js';
import { missingTools } from '../helpers/speech-audio.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { debug, screenshot, startCall, startClientTestBed, transcript, waitForEntry, type ClientTestBed, type PageGlobals } from './client-page.js';

const skip = missingBrowser() ?? missingTools() ?? false;
const HOURS = /We're open Monday to Friday/;

describe('the browser client when the caller interrupts and when the line drops', { skip }, () => {
  let bed: ClientTestBed;
  let srv: TestServer;
  let store: Store;
  before(async () => {
    bed = await startClientTestBed();
    ({ srv, store } = bed);
  });
  after(() => bed?.close());
  const browserSaying = (name: string, segments: readonly MicSegment[]): Promise<Browser> => bed.browserSaying(name, segments);

  // WebSocket: the page stops its worklet and truncates; WebRTC: the server clears its playout and truncates.
  for (const mode of ['websocket', 'webrtc'] as const) it(`barge-in (${mode}): the caller talks over the greeting; playback stops at once and the greeting is truncated to what was played`, async () => {
    const browser = await browserSaying(`barge-in-${mode}`, [{ pauseS: 3 }, { say: 'When are you open' }, { pauseS: 40 }]);
    const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
    await startCall(page, srv.url, mode);
    await page.waitForSelector('#state[data-state="interrupted"]', { state: 'attached', timeout: 20_000 });
    if (mode === 'websocket') await screenshot(page, 'client-interrupted');
    await waitForEntry(page, 'agent', HOURS, 40_000);

    const states = await debug(page, (p) => p.states);
    const cut = states.indexOf('interrupted');
    assert.ok(cut > 0 && states.slice(0, cut).includes('agent_speaking'), `the page went from agent speaking to interrupted: ${states.join(' → ')}`);
    const stats = (await debug(page, (p) => p.stats()))!;
    assert.equal(stats.truncations.length, 1, JSON.stringify(stats.truncations));
    const [truncation] = stats.truncations;
    const events = await debug(page, (p) => p.events);
    assert.ok(events.includes('conversation.item.truncated'), 'the server confirmed the truncation');

    // The record holds the greeting as heard: the truncated item's audio ends where playback stopped.
    const sessionId = (await debug(page, (p) => p.sessionId()))!;
    await page.click('#start');
    await page.waitForSelector('#state[data-state="ended"]');
    const record = await waitForRecord(store, sessionId);
    const greeting = record.transcript.find((t) => t.itemId === truncation!.itemId);
    assert.ok(greeting?.truncated, `the interrupted greeting is in the record, marked truncated: ${JSON.stringify(greeting)}`);
    const shown = (await transcript(page)).find((e) => e.kind === 'agent' && /\(interrupted\)/.test(e.text));
    assert.ok(shown, 'the page marks the greeting as interrupted');
    const fullText = shown.text.replace(/^Agent/, '').replace(/\(interrupted\).*$/, '').trim();
    assert.ok(greeting.text.length < fullText.length, `the record keeps only what was heard: "${greeting.text}" of "${fullText}"`);
    // Played audio before the cut: the caller spoke 3 s into the microphone's audio, after the greeting had started.
    assert.ok(truncation!.audioEndMs > 300 && truncation!.audioEndMs < 3500, `truncated at ${truncation!.audioEndMs} ms`);
    await page.close();
  });

  it('reconnect (websocket): the network drops mid-conversation; the page reconnects with backoff and the same session goes on', async () => {
    const proxy = await TcpProxy.start(Number(new URL(srv.url).port));
    try {
      const browser = await browserSaying('reconnect', [{ pauseS: 6 }, { say: 'When are you open' }, { pauseS: 14 }]);
      const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
      await startCall(page, `http://127.0.0.1:${proxy.port}`, 'websocket');
      const sessionId = await debug(page, (p) => p.sessionId());
      await waitForEntry(page, 'agent', HOURS, 40_000);

      proxy.cut();
      await page.waitForSelector('#state[data-state="reconnecting"]', { state: 'attached', timeout: 5000 });
      await screenshot(page, 'client-reconnecting');
      await page.waitForFunction(() => /reconnected 1×/.test((globalThis as unknown as PageGlobals).document.getElementById('session')?.textContent ?? ''), undefined, { timeout: 20_000 });
      assert.equal(await debug(page, (p) => p.sessionId()), sessionId, 'the same session');

      // The microphone's loop asks again: the resumed session answers on the new connection.
      const before = (await transcript(page)).filter((e) => e.kind === 'agent' && HOURS.test(e.text)).length;
      await page.waitForFunction(
        ([n, source]) => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('#transcript li')].filter((li) => li.dataset.kind === 'agent' && new RegExp(source).test(li.textContent ?? '')).length > n,
        [before, HOURS.source] as const,
        { timeout: 40_000 },
      );
      await page.click('#start');
      const record = await waitForRecord(store, sessionId!);
      const asked = record.transcript.filter((t) => t.role === 'user' && /open/i.test(t.text));
      assert.ok(asked.length >= 2, `one session holds the turns before and after the drop: ${JSON.stringify(record.transcript.map((t) => [t.role, t.text]))}`);
      await page.close();
    } finally {
      proxy.cut();
      await proxy.close();
    }
  });
});

/** The session's record once it has ended (records are flushed when the session ends). */
async function waitForRecord(store: Store, id: string) {
  for (let i = 0; i < 100; i++) {
    const r = await store.records.session(id);
    if (r?.endedAt) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`session ${id} never ended`);
}
