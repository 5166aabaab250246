import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { OpenAIEngineConfig } from './config.js';
import { restClient } from './rest-client.js';

/**
 * Ends a live call: `POST <base>/realtime/calls/<id>/hangup` with the server's API key, through
 * the `openai` SDK (`realtime.calls.hangup`). Used when Parley ends a session attached to a
 * call (a goodbye, a limit, shutdown): closing the sideband alone would leave the caller
 * talking to a model nobody supervises. Never throws: a failure is logged, since the session
 * is ending anyway; a 404 means the call had already ended.
 */
export async function hangUpCall(config: OpenAIEngineConfig, callId: string, logger: Logger): Promise<void> {
  try {
    // restClient retries once on a dropped connection or a 5xx: a call left up costs the caller's time and the budget.
    await restClient(config).realtime.calls.hangup(callId);
    logger.info({ call_id: callId }, 'call hung up');
  } catch (err) {
    if (err instanceof OpenAI.NotFoundError) return void logger.info({ call_id: callId }, 'call already ended before the hangup');
    // The SDK's messages quote OpenAI's error text, never the key.
    const status = err instanceof OpenAI.APIError ? err.status : undefined;
    logger.warn({ call_id: callId, status, err_message: (err as Error).message }, 'could not hang up the call; it goes on until the caller leaves or OpenAI ends it');
  }
}
