import type { Page } from 'playwright-core';

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
  await page.waitForFunction(() => window.parley.sessionId() !== null && window.parley.mode() !== null, undefined, { timeout: 20_000 });
}

/** The transcript as the page shows it. */
export function transcript(page: Page): Promise<PageEntry[]> {
  return page.$$eval('#transcript li', (lis) => lis.map((li) => ({ kind: (li as HTMLElement).dataset.kind as PageEntry['kind'], text: li.textContent ?? '' })));
}

/** Waits for a transcript entry of `kind` whose text matches; returns its text. */
export async function waitForEntry(page: Page, kind: PageEntry['kind'], pattern: RegExp, timeoutMs: number): Promise<string> {
  const handle = await page.waitForFunction(
    ([k, source, flags]) => [...document.querySelectorAll<HTMLElement>('#transcript li')].find((li) => li.dataset.kind === k && !li.classList.contains('partial') && new RegExp(source, flags).test(li.textContent ?? ''))?.textContent ?? false,
    [kind, pattern.source, pattern.flags] as const,
    { timeout: timeoutMs, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}
