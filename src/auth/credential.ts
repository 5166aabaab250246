import type { IncomingHttpHeaders } from 'node:http';

const SUBPROTOCOL = 'openai-insecure-api-key.';

/**
 * The credential a request carries: `Authorization: Bearer <credential>`, or (browsers cannot
 * set headers on a WebSocket) the `openai-insecure-api-key.<credential>` subprotocol, as OpenAI
 * accepts it. '' when there is none.
 */
export function presentedCredential(headers: IncomingHttpHeaders): string {
  const header = headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  return offeredSubprotocols(headers).find((p) => p.startsWith(SUBPROTOCOL))?.slice(SUBPROTOCOL.length) ?? '';
}

/** The WebSocket subprotocols a client offered (`Sec-WebSocket-Protocol`), in its order. */
export function offeredSubprotocols(headers: IncomingHttpHeaders): string[] {
  return String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}
