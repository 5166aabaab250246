const BETA_HEADER_VALUE = 'realtime=v1';
const BETA_SUBPROTOCOL = 'openai-beta.realtime-v1';

/**
 * True when a connecting client speaks the beta dialect: header
 * `OpenAI-Beta: realtime=v1` (any header-name case; the value may list several
 * betas, comma-separated) or, for browsers that cannot set headers, the
 * WebSocket subprotocol `openai-beta.realtime-v1`.
 */
export function isBetaClient(headers: Record<string, string | string[] | undefined>, subprotocols: string[]): boolean {
  if (subprotocols.some((p) => p.trim() === BETA_SUBPROTOCOL)) return true;
  return Object.entries(headers).some(
    ([name, value]) =>
      name.toLowerCase() === 'openai-beta' &&
      value !== undefined &&
      [value]
        .flat()
        .some((line) => line.split(',').some((token) => token.trim() === BETA_HEADER_VALUE)),
  );
}
