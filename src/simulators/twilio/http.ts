import { TwilioSimError } from './errors.js';
import type { SignedRequest } from './signing.js';

export interface WebhookResponse {
  status: number;
  body: string;
}

/** Twilio waits 15 s for a webhook answer before giving up (error 11205). */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/** Sends a signed webhook request; a network failure or timeout rejects with WEBHOOK_FAILED. */
export async function deliver(req: SignedRequest, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<WebhookResponse> {
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (err as Error).message);
    throw new TwilioSimError('WEBHOOK_FAILED', `${req.method} ${req.url} failed: ${why} (Twilio error 11205; is Parley running at that address?)`);
  }
}
