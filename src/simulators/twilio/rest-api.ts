/**
 * The subset of Twilio's REST API an agent server uses to control a live call:
 * `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with `Status=completed` (hang up)
 * or `Twiml=<Response>…` (replace the call's TwiML, e.g. `<Dial>` to transfer), and `GET` of the
 * same resource. HTTP Basic auth with `AccountSid:AuthToken`; errors in Twilio's JSON shape, so the
 * twilio SDK raises the same RestException it would against api.twilio.com.
 * `Url=` (fetch new TwiML) is answered 400: not supported by the simulator.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatedCall } from './call.js';
import type { CallSnapshot } from './call-types.js';
import { TwilioSimError } from './errors.js';
import { rfc2822 } from './sids.js';

export interface RestApiBackend {
  accountSid: string;
  authToken: string;
  /** The live call with this sid, or what is left of an ended one. */
  lookup(callSid: string): SimulatedCall | CallSnapshot | undefined;
}

export interface RestApiServer {
  /** e.g. `http://127.0.0.1:43121` — the `apiUrl` for `twilioRestClient`. */
  url: string;
  close(): Promise<void>;
}

const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const MAX_BODY = 64 * 1024;

export async function startRestApi(backend: RestApiBackend, opts: { host?: string; port?: number } = {}): Promise<RestApiServer> {
  const server = createServer((req, res) => {
    handle(backend, req, res).catch((err: unknown) => sendError(res, 500, 20500, `the simulator failed: ${(err as Error).message}`));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, close: () => closeServer(server) };
}

async function handle(backend: RestApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!authorized(backend, req.headers.authorization)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
    return sendError(res, 401, 20003, 'Authentication Error - invalid username');
  }
  const m = CALL_PATH.exec(path);
  const call = m && m[1] === backend.accountSid ? backend.lookup(decodeURIComponent(m[2]!)) : undefined;
  if (call === undefined) return sendError(res, 404, 20404, `The requested resource ${path} was not found`);
  if (req.method === 'GET') return sendJson(res, 200, callResource(snapshotOf(call)));
  if (req.method !== 'POST') return sendError(res, 405, 20004, `Method ${req.method ?? ''} not allowed`);

  const form = new URLSearchParams(await readBody(req));
  if (form.has('Url')) return sendError(res, 400, 20001, 'Url= (fetch new TwiML from a URL) is not supported by the Twilio simulator: send the TwiML itself with Twiml=');
  const status = form.get('Status');
  const twiml = form.get('Twiml');
  if (status !== null && status !== 'completed' && status !== 'canceled') return sendError(res, 400, 20001, `Status must be "completed" or "canceled", got ${JSON.stringify(status)}`);
  // Only an answered call still in progress can be redirected (Twilio error 21220 otherwise).
  const live = 'restComplete' in call && !call.finished && call.snapshot().status === 'in-progress' ? call : undefined;
  if (status === 'completed') return sendJson(res, 200, callResource('restComplete' in call ? call.restComplete() : call));
  if (twiml !== null) {
    if (live === undefined) return sendError(res, 400, 21220, 'Call is not in-progress. Cannot redirect.');
    try {
      return sendJson(res, 200, callResource(live.restTwiml(twiml)));
    } catch (err) {
      if (err instanceof TwilioSimError) return sendError(res, 400, 12100, `Document parse failure: ${err.message}`);
      throw err;
    }
  }
  // Status=canceled only affects a call not yet answered; other parameters are not simulated.
  return sendJson(res, 200, callResource(snapshotOf(call)));
}

function snapshotOf(call: SimulatedCall | CallSnapshot): CallSnapshot {
  return 'snapshot' in call ? call.snapshot() : call;
}

function authorized(backend: RestApiBackend, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const expected = `${backend.accountSid}:${backend.authToken}`;
  const a = Buffer.from(decoded);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Call resource as api.twilio.com returns it (what the SDK's CallInstance reads). */
export function callResource(s: CallSnapshot): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${s.accountSid}/Calls/${s.sid}.json`;
  const date = (d: Date | null): string | null => (d === null ? null : rfc2822(d));
  return {
    sid: s.sid,
    date_created: date(s.createdAt),
    date_updated: rfc2822(s.endTime ?? new Date()),
    parent_call_sid: null,
    account_sid: s.accountSid,
    to: s.to,
    to_formatted: s.to,
    from: s.from,
    from_formatted: s.from,
    phone_number_sid: null,
    status: s.status,
    start_time: date(s.startTime),
    end_time: date(s.endTime),
    duration: s.durationS === null ? null : String(s.durationS),
    price: null,
    price_unit: 'USD',
    direction: 'inbound',
    answered_by: null,
    api_version: '2010-04-01',
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: null,
    uri,
    subresource_uris: {
      notifications: uri.replace('.json', '/Notifications.json'),
      recordings: uri.replace('.json', '/Recordings.json'),
      events: uri.replace('.json', '/Events.json'),
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new TwilioSimError('INVALID_ARGUMENT', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // The SDK keeps connections alive; they must not hold the close up.
    server.closeAllConnections();
  });
}
