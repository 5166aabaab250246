import OpenAI from 'openai';
import { httpBaseUrl, type OpenAIEngineConfig } from './config.js';

/**
 * The `openai` SDK client for the engine's plain HTTP calls (client secrets, hangups): the
 * engine's key, organisation, project and base URL (a `ws(s)://` base taken as `http(s)://`),
 * its connect timeout, and one retry.
 */
export function restClient(config: OpenAIEngineConfig): OpenAI {
  return new OpenAI({
    apiKey: config.apiKey,
    baseURL: httpBaseUrl(config.baseUrl),
    organization: config.organization ?? null,
    project: config.project ?? null,
    timeout: config.connectTimeoutMs,
    maxRetries: 1,
  });
}

/** `text` with the API key blanked out, for error text that came from the upstream (or a proxy) and may quote it. */
export function redactKey(text: string, apiKey: string): string {
  return apiKey ? text.split(apiKey).join('***') : text;
}
