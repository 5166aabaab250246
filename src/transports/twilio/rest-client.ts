/**
 * The twilio SDK's REST client. With `apiUrl` (e.g. the Twilio simulator's REST API,
 * `http://127.0.0.1:4321`) every request meant for `https://api.twilio.com` — or any other
 * `https://*.twilio.com` host, edges and regions included — goes there instead, so tests and
 * `parley phone` exercise the very same SDK calls as production.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

export interface TwilioRestClientOptions {
  accountSid: string;
  authToken: string;
  apiUrl?: string | undefined;
}

export function twilioRestClient(opts: TwilioRestClientOptions): twilio.Twilio {
  if (opts.apiUrl === undefined) return twilio(opts.accountSid, opts.authToken);
  return twilio(opts.accountSid, opts.authToken, { httpClient: new RedirectingRequestClient(opts.apiUrl) });
}

class RedirectingRequestClient extends twilio.RequestClient {
  private readonly base: URL;

  constructor(apiUrl: string) {
    super();
    try {
      this.base = new URL(apiUrl);
    } catch {
      throw new Error(`invalid Twilio API URL ${JSON.stringify(apiUrl)}: expected e.g. http://127.0.0.1:4321`);
    }
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: this.rewrite(opts.uri) });
  }

  private rewrite(uri: string): string {
    const u = new URL(uri);
    if (u.protocol !== 'https:' || (u.hostname !== 'twilio.com' && !u.hostname.endsWith('.twilio.com'))) return uri;
    // Keeps a path prefix of apiUrl (a simulator mounted under /twilio-api, say).
    const target = new URL(this.base.href);
    target.pathname = target.pathname.replace(/\/+$/, '') + u.pathname;
    target.search = u.search;
    return target.href;
  }
}
