/**
 * The "phone network": places simulated calls into an application the way Twilio would, drives
 * all their audio from one 20 ms ticker, and answers the REST API for them on 127.0.0.1.
 */
import { SimulatedCall } from './call.js';
import type { CallHost, CallOptions, CallSnapshot } from './call-types.js';
import { TwilioSimError } from './errors.js';
import { startRestApi, type RestApiServer } from './rest-api.js';
import { newSid } from './sids.js';
import { FrameTicker, type TickStats } from './ticker.js';

export interface TwilioNetworkOptions {
  /** The Auth Token every request is signed with (the one Parley validates against). */
  authToken: string;
  /** Default: a fresh `AC…`. */
  accountSid?: string;
  /** Where the REST API listens (default 127.0.0.1 and a free port). */
  restHost?: string;
  restPort?: number;
}

// Ended calls stay answerable over REST (as on Twilio), as small snapshots; the oldest are forgotten.
const ENDED_KEPT = 10_000;

export class TwilioNetwork {
  readonly accountSid: string;
  readonly authToken: string;
  private readonly ticker = new FrameTicker();
  private readonly live = new Map<string, SimulatedCall>();
  private readonly ended = new Map<string, CallSnapshot>();
  private rest!: RestApiServer;
  private closed = false;

  private constructor(opts: TwilioNetworkOptions) {
    if (!opts.authToken) throw new TwilioSimError('INVALID_ARGUMENT', 'TwilioNetwork needs the auth token Parley validates signatures with (authToken)');
    if (opts.accountSid !== undefined && !opts.accountSid.startsWith('AC')) {
      throw new TwilioSimError('INVALID_ARGUMENT', `accountSid must start with "AC" (got ${JSON.stringify(opts.accountSid)})`);
    }
    this.accountSid = opts.accountSid ?? newSid('AC');
    this.authToken = opts.authToken;
  }

  static async start(opts: TwilioNetworkOptions): Promise<TwilioNetwork> {
    const net = new TwilioNetwork(opts);
    net.rest = await startRestApi(
      { accountSid: net.accountSid, authToken: net.authToken, lookup: (sid) => net.live.get(sid) ?? net.ended.get(sid) },
      { ...(opts.restHost !== undefined ? { host: opts.restHost } : {}), ...(opts.restPort !== undefined ? { port: opts.restPort } : {}) },
    );
    return net;
  }

  /** The REST API simulator's base URL: pass it as `apiUrl` to `twilioRestClient`. */
  get restUrl(): string {
    return this.rest.url;
  }

  /**
   * Places a call: the voice webhook, its TwiML, and the stream connected and started. Rejects
   * with WEBHOOK_REFUSED / WEBHOOK_FAILED / TWIML_INVALID / STREAM_HANDSHAKE_FAILED (with `status`
   * and `body` when Parley answered) — the call is then dropped.
   */
  async call(opts: CallOptions): Promise<SimulatedCall> {
    if (this.closed) throw new TwilioSimError('NETWORK_CLOSED', 'this TwilioNetwork has been closed');
    if (opts.callSid !== undefined && this.live.has(opts.callSid)) throw new TwilioSimError('INVALID_ARGUMENT', `call ${opts.callSid} is already in progress`);
    const host: CallHost = { accountSid: this.accountSid, authToken: this.authToken, ticker: this.ticker, release: (c) => this.release(c) };
    const call = new SimulatedCall(host, opts);
    this.live.set(call.callSid, call);
    await call.dial();
    return call;
  }

  /**
   * How well this process kept real time: with no late ticks, every call sent exactly one frame
   * per 20 ms. A benchmark whose driver had late ticks measured its own overload too.
   */
  get tickStats(): Readonly<TickStats> {
    return this.ticker.stats;
  }

  /** Calls in progress. */
  get calls(): SimulatedCall[] {
    return [...this.live.values()];
  }

  /** Hangs up every call still in progress, then stops the REST API. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.live.values()].map((c) => c.hangUp()));
    this.ticker.stop();
    await this.rest.close();
  }

  private release(call: SimulatedCall): void {
    if (this.live.get(call.callSid) !== call) return;
    this.live.delete(call.callSid);
    this.ended.set(call.callSid, call.snapshot());
    if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.keys().next().value!);
  }
}
