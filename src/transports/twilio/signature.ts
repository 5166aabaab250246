import twilio from 'twilio';

/** Form parameters as Twilio sent them; a repeated name carries every value. */
export type FormParams = Record<string, string | string[]>;

/**
 * Whether a request is Twilio's: `X-Twilio-Signature` is the HMAC-SHA1 of the URL Twilio
 * requested plus the sorted POST parameters, keyed by the Auth Token. The SDK's validator
 * builds that string exactly as Twilio does (and accepts the URL with or without a default port).
 */
export function isTwilioSigned(authToken: string, signature: string | string[] | undefined, url: string, params: FormParams): boolean {
  if (typeof signature !== 'string' || signature === '') return false;
  return twilio.validateRequest(authToken, signature, url, params as Record<string, string>);
}

/**
 * The URL Twilio requested, as it signed it: the public URL's origin and prefix, plus the path
 * and query this server received (a proxy in front strips the prefix, if any).
 */
export function publicRequestUrl(publicUrl: string, requestUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${requestUrl}`;
}

/** The `ws(s)://` URL of a path under the public URL: the stream Twilio opens back to this server. */
export function publicWebSocketUrl(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}${path}`;
}
