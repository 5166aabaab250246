import { dropFields, moveToBeta, moveToGA } from './fields.js';
import { betaItemToGA, gaItemToBeta } from './items.js';
import { RESPONSE_PARAM_RULES, RESPONSE_RULES } from './rules.js';

/**
 * Beta `response.create.response` → GA parameters: `modalities`, `voice`,
 * `output_audio_format`, `max_response_output_tokens` and `input` items are
 * translated; `temperature` is dropped with a note; the rest passes through.
 */
export function betaResponseParamsToGA(beta: Record<string, unknown>, warnings: string[] = []): Record<string, unknown> {
  const params = moveToGA(dropFields(beta, ['temperature'], 'response', warnings), RESPONSE_PARAM_RULES);
  return Array.isArray(params.input) ? { ...params, input: params.input.map(betaItemToGA) } : params;
}

/** GA response object (`response.created`/`.done`) → beta response object, output items included. */
export function gaResponseToBeta(ga: Record<string, unknown>): Record<string, unknown> {
  const beta = moveToBeta(ga, RESPONSE_RULES);
  return Array.isArray(beta.output) ? { ...beta, output: beta.output.map(gaItemToBeta) } : beta;
}
