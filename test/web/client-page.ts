import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { launchChromium, writeMicrophoneWav, type MicSegment } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory } from '../helpers/speech-audio.js';
import type { ParleyDebug } from '../../web/src/client/debug-api.js';

// Functions passed to page.evaluate run in Chromium, not here: the tests are typed without the
// DOM's lib (it clashes with Node's), so they reach the page through these few shapes.
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  classList: { contains(c: string): boolean };
}
export interface PageGlobals {
  parley: ParleyDebug;
  document: { querySelectorAll(selector: string): Iterable<PageElement>; getElementById(id: string): PageElement | null };
}

/** Reads the page's window.parley. */
export function debug<T>(page: Page, read: (p: ParleyDebug) => T | Promise<T>): Promise<T> {
  return page.evaluate(`(${read.toString()})(window.parley)`) as Promise<T>;
}

export interface PageEntry {
  kind: 'user' | 'agent' | 'tool';
  text: string;
}

/** Opens the client, picks the connection mode and presses Start; resolves once connected. */
export async function startCall(page: Page, url: string, mode: 'webrtc' | 'websocket' | 'auto', opts: { pushToTalk?: boolean } = {}): Promise<void> {
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(url);
  await page.waitForSelector('#agent option', { state: 'attached' });
  await page.selectOption('#mode', mode);
  if (opts.pushToTalk) await page.check('#ptt');
  await page.click('#start');
  await page.waitForFunction(() => {
    const { parley } = globalThis as unknown as PageGlobals;
    return parley.sessionId() !== null && parley.mode() !== null;
  }, undefined, { timeout: 20_000 });
}

/** The transcript as the page shows it. */
export function transcript(page: Page): Promise<PageEntry[]> {
  return page.evaluate(() => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('#transcript li')].map((li) => ({ kind: li.dataset.kind as PageEntry['kind'], text: li.textContent ?? '' })));
}

/** Waits for a transcript entry of `kind` whose text matches; returns its text. */
export async function waitForEntry(page: Page, kind: PageEntry['kind'], pattern: RegExp, timeoutMs: number): Promise<string> {
  const handle = await page.waitForFunction(
    ([k, source, flags]) => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('#transcript li')].find((li) => li.dataset.kind === k && !li.classList.contains('partial') && new RegExp(source, flags).test(li.textContent ?? ''))?.textContent ?? false,
    [kind, pattern.source, pattern.flags] as const,
    { timeout: timeoutMs, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

/**
 * With PARLEY_SCREENSHOTS=1, saves the page as docs/screenshots/<name>.png (the README shows
 * them); otherwise does nothing, so test runs leave the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PARLEY_SCREENSHOTS !== '1') return;
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: `docs/screenshots/${name}.png` });
}

/** The demo receptionist on the embedded engine, and Chromiums whose microphones say what a test scripts. */
export interface ClientTestBed {
  srv: TestServer;
  store: Store;
  /** A new Chromium whose fake microphone plays `segments` (looped). */
  browserSaying(name: string, segments: readonly MicSegment[]): Promise<Browser>;
  close(): Promise<void>;
}

export async function startClientTestBed(): Promise<ClientTestBed> {
  const store = await openStore({ dataDir: 'memory://' });
  const srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
  const audio = new AudioFactory();
  const browsers: Browser[] = [];
  return {
    srv,
    store,
    async browserSaying(name, segments) {
      const wav = join(audio.dir, `${name}.wav`);
      writeMicrophoneWav(audio, wav, segments);
      const b = await launchChromium({ microphoneWav: wav });
      browsers.push(b);
      return b;
    },
    async close() {
      await Promise.all(browsers.map((b) => b.close()));
      await srv.close();
      audio.dispose();
    },
  };
}
