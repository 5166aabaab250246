import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves once `cond()` holds, or after `ms`; true if it held. Polled every `pollMs`: for
 * conditions that emit no event of their own (a registry emptied, a buffer drained, sockets
 * gone), where a few ms of lag costs nothing.
 */
export async function waitUntil(cond: () => boolean, ms: number, pollMs = 50): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(pollMs, left));
  }
  return true;
}
