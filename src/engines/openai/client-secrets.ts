import OpenAI from 'openai';
import type { ClientSecretCreateParams } from 'openai/resources/realtime/client-secrets';
import type { DirectClientSecret } from '../engine.js';
import { httpBaseUrl, type OpenAIEngineConfig } from './config.js';
import { redactKey, restClient } from './rest-client.js';
import { OpenAIEngineError } from './errors.js';

/**
 * Asks OpenAI (`POST <base>/realtime/client_secrets`, with the server's API key) for an
 * ephemeral key carrying `session`: the agent's instructions, voice, tools and turn detection
 * are fixed server-side before the browser ever connects. Errors are OpenAIEngineErrors whose
 * messages never contain the key.
 */
export async function createUpstreamClientSecret(config: OpenAIEngineConfig, session: Record<string, unknown>, ttlS: number): Promise<DirectClientSecret> {
  const client = restClient(config);
  try {
    const res = await client.realtime.clientSecrets.create({ expires_after: { anchor: 'created_at', seconds: ttlS }, session: session as unknown as NonNullable<ClientSecretCreateParams['session']> });
    if (typeof res.value !== 'string' || !res.value) throw new OpenAIEngineError('upstream_error', 'OpenAI answered client_secrets without a key value.');
    return { value: res.value, expiresAt: res.expires_at, session: res.session as unknown as Record<string, unknown>, callsUrl: `${httpBaseUrl(config.baseUrl)}/realtime/calls` };
  } catch (err) {
    if (err instanceof OpenAIEngineError) throw err;
    throw upstreamError(err, config.apiKey);
  }
}

function upstreamError(err: unknown, apiKey: string): OpenAIEngineError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new OpenAIEngineError('upstream_timeout', 'OpenAI did not answer the client secret request in time.', { cause: err });
  if (err instanceof OpenAI.APIConnectionError) return new OpenAIEngineError('upstream_unreachable', 'OpenAI could not be reached to mint a client secret; check OPENAI_BASE_URL and the network.', { cause: err });
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    // OpenAI's own error text, passed on to the caller: blank the key out should it (or a proxy) quote it.
    const detail = redactKey((err.error as { message?: string } | undefined)?.message ?? `HTTP ${status}`, apiKey);
    if (status === 401 || status === 403) return new OpenAIEngineError('upstream_auth_failed', `OpenAI refused the API key when minting a client secret (${status}): check OPENAI_API_KEY.`, { status, retriable: false });
    if (status === 429) return new OpenAIEngineError('upstream_rate_limited', `OpenAI rate-limited the client secret request: ${detail}`, { status });
    if (status === 400) return new OpenAIEngineError('upstream_session_rejected', `OpenAI refused the agent's session for a client secret: ${detail}`, { status, retriable: false });
    return new OpenAIEngineError('upstream_refused', `OpenAI answered the client secret request with ${status}: ${detail}`, { status });
  }
  return new OpenAIEngineError('upstream_error', `Minting a client secret failed: ${(err as Error).message}`, { cause: err });
}
