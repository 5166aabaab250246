/**
 * Signs requests the way Twilio does (protocol reference §3): `X-Twilio-Signature` is the base64
 * HMAC-SHA1, keyed with the Auth Token, of the full URL followed by the sorted form parameters.
 * The twilio SDK computes it, so the simulator and Parley's validation cannot drift apart.
 */
import twilio from 'twilio';

export type FormParams = Record<string, string>;

export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export interface SignedRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * A webhook request as Twilio sends it: POST with a form body (the signature covers URL and
 * params), or GET with the params appended to the query string (the signature covers that URL).
 * `authToken: null` sends no signature at all.
 */
export function signedWebhook(authToken: string | null, method: 'GET' | 'POST', url: string, params: FormParams): SignedRequest {
  const headers: Record<string, string> = { 'User-Agent': 'TwilioProxy/1.1', Accept: '*/*' };
  if (method === 'GET') {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
    if (authToken !== null) headers['X-Twilio-Signature'] = twilioSignature(authToken, u.href, {});
    return { url: u.href, method, headers };
  }
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  if (authToken !== null) headers['X-Twilio-Signature'] = twilioSignature(authToken, url, params);
  return { url, method, headers, body: new URLSearchParams(params).toString() };
}

/** The WebSocket upgrade is signed like a GET of the exact `<Stream url>`, with no params (§3.3). */
export function upgradeSignature(authToken: string, streamUrl: string): string {
  return twilioSignature(authToken, streamUrl, {});
}
