/**
 * A minimal stand-in for Parley's Twilio endpoints, for the simulator's own tests: it validates
 * signatures with the twilio SDK, answers the voice webhook with `<Connect><Stream>`, records
 * every request and stream message, and lets a test script the application's side of the stream.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { WebSocketServer, type WebSocket } from 'ws';

/** A stream message as JSON: tests read nested fields freely. */
export type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  signatureValid: boolean;
}

export interface FakeStream {
  ws: WebSocket;
  /** Every message received, parsed, in order. */
  messages: Msg[];
  upgradeSignatureValid: boolean;
  streamSid: () => string;
  send(msg: Record<string, unknown>): void;
  /** Resolves with the first message (already received or to come) that matches. */
  waitFor(pred: (m: Msg) => boolean, timeoutMs?: number): Promise<Msg>;
  closed: Promise<void>;
}

export interface FakeParleyOptions {
  authToken: string;
  /** Refuse upgrades whose signature does not validate (default true). */
  checkUpgrade?: boolean;
  /** Called for each stream once `start` arrived. */
  onStart?: (stream: FakeStream, start: Msg) => void;
}

export interface FakeParley {
  url: string;
  /** The answer to the `<Connect action>` request (default `<Response><Hangup/></Response>`); tests may change it. */
  actionTwiml: string;
  /** Replaces the voice webhook's `<Connect><Stream>` answer when set. */
  voiceTwiml: string | null;
  requests: RecordedRequest[];
  streams: FakeStream[];
  nextStream(): Promise<FakeStream>;
  /** Resolves with the first request to `path` (already made or to come). */
  waitForRequest(path: string, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startFakeParley(opts: FakeParleyOptions): Promise<FakeParley> {
  const requests: RecordedRequest[] = [];
  const streams: FakeStream[] = [];
  const streamWaiters: Array<(s: FakeStream) => void> = [];
  const requestWaiters: Array<() => void> = [];
  let base = '';

  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', base);
      const params = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : {};
      const signatureValid = twilio.validateRequest(opts.authToken, String(req.headers['x-twilio-signature'] ?? ''), `${base}${req.url}`, params);
      const all = { ...Object.fromEntries(url.searchParams), ...params };
      requests.push({ method: req.method ?? '', path: url.pathname, params: all, signatureValid });
      requestWaiters.splice(0).forEach((w) => w());
      if (!signatureValid) return void res.writeHead(403).end('invalid signature');
      if (url.pathname === '/twilio/voice' && fake.voiceTwiml !== null) {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        return void res.end(fake.voiceTwiml);
      }
      if (url.pathname === '/twilio/voice') {
        const wsBase = base.replace(/^http/, 'ws');
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        return void res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Response><Connect action="${base}/twilio/stream-ended?session_id=sess_1"><Stream url="${wsBase}/twilio/media-stream" statusCallback="${base}/twilio/stream-status">` +
            `<Parameter name="token" value="tok-${all.CallSid}"/><Parameter name="caller" value="${all.From}"/><Parameter name="session_id" value="sess_1"/></Stream></Connect></Response>`,
        );
      }
      if (url.pathname === '/twilio/stream-ended') {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        return void res.end(fake.actionTwiml);
      }
      res.writeHead(204).end();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = `${base.replace(/^http/, 'ws')}${req.url}`;
    const valid = twilio.validateRequest(opts.authToken, String(req.headers['x-twilio-signature'] ?? ''), url, {});
    if (!valid && opts.checkUpgrade !== false) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 17\r\nConnection: close\r\n\r\ninvalid signature');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const messages: Msg[] = [];
      const waiters = new Set<() => void>();
      let sid = '';
      const stream: FakeStream = {
        ws,
        messages,
        upgradeSignatureValid: valid,
        streamSid: () => sid,
        send: (msg) => ws.send(JSON.stringify({ streamSid: sid, ...msg })),
        waitFor: (pred, timeoutMs = 5000) =>
          new Promise((resolve, reject) => {
            const check = (): boolean => {
              const m = messages.find(pred);
              if (m === undefined) return false;
              clearTimeout(timer);
              waiters.delete(check);
              resolve(m);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`fake Parley: no matching stream message within ${timeoutMs} ms (got ${messages.map((x) => x.event).join(',')})`));
            }, timeoutMs);
            if (!check()) waiters.add(check);
          }),
        closed: new Promise((resolve) => ws.once('close', () => resolve())),
      };
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as Msg;
        messages.push(m);
        if (m.event === 'start') {
          sid = m.streamSid;
          opts.onStart?.(stream, m);
        }
        for (const w of [...waiters]) w();
      });
      streams.push(stream);
      streamWaiters.splice(0).forEach((w) => w(stream));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeParley = {
    url: base,
    actionTwiml: '<Response><Hangup/></Response>',
    voiceTwiml: null,
    requests,
    streams,
    nextStream: () => new Promise((resolve) => streamWaiters.push(resolve)),
    waitForRequest: (path, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`fake Parley: no request to ${path} within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          const r = requests.find((x) => x.path === path);
          if (r) {
            clearTimeout(deadline);
            resolve(r);
          } else requestWaiters.push(check);
        };
        check();
      }),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
  });
}
