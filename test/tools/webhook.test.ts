import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WebhookToolSpecSchema, type WebhookToolSpec } from '../../src/tools/spec.js';
import { callWebhook, retryAfterMs, type WebhookOptions } from '../../src/tools/webhook.js';

const SECRET = 'sk-test-7f3a9c1e5b2d4f6a';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

describe('webhook tools', () => {
  let server: Server;
  let base = '';
  let seen: Seen[] = [];
  // Per-path behaviour; `n` is the attempt number for that path (1-based).
  const routes: Record<string, (res: ServerResponse, n: number, req: Seen) => void> = {
    '/echo': (res, _n, req) => json(res, 200, { method: req.method, body: req.body ? JSON.parse(req.body) : null, url: req.url }),
    '/flaky': (res, n) => (n < 2 ? json(res, 503, { error: 'busy' }) : json(res, 200, { ok: 'second time' })),
    '/retry-after': (res, n) => (n < 2 ? json(res, 429, { error: 'slow down' }, { 'retry-after': '1' }) : json(res, 200, { ok: true })),
    '/down': (res) => json(res, 500, { error: 'boom' }),
    '/bad': (res, _n, req) => json(res, 400, { error: 'date must be in the future', you_sent: req.headers.authorization }),
    '/slow': (res) => setTimeout(() => json(res, 200, { late: true }), 400),
    '/text': (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Order 1234 ships Tuesday');
    },
    '/redirect': (res) => {
      res.writeHead(302, { location: `${base}/echo` });
      res.end();
    },
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
        seen.push(s);
        const path = new URL(s.url, 'http://x').pathname;
        const n = seen.filter((x) => new URL(x.url, 'http://x').pathname === path).length;
        const route = routes[path];
        if (route) route(res, n, s);
        else json(res, 404, { error: 'no such route' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen = [];
  });

  const spec = (path: string, more: Partial<WebhookToolSpec> = {}): WebhookToolSpec =>
    WebhookToolSpecSchema.parse({ type: 'webhook', name: 'crm', description: 'the CRM', url: `${base}${path}`, parameters: { type: 'object' }, ...more });
  const env = { CRM_TOKEN: `Bearer ${SECRET}`, CRM_TENANT: 'tenant-42' };
  const opts: WebhookOptions = { env, baseDelayMs: 5 };
  const req = (args: Record<string, unknown> = {}) => ({ callId: 'call_abc', sessionId: 'sess_1', arguments: args });

  it('POSTs the arguments as JSON with env headers, Idempotency-Key and X-Parley-Session', async () => {
    const r = await callWebhook(spec('/echo', { headersFromEnv: { Authorization: 'CRM_TOKEN', 'X-Tenant': 'CRM_TENANT' } }), req({ order_id: '1234' }), opts);
    assert.equal(r.error ?? null, null);
    assert.deepEqual(r.output, { method: 'POST', body: { order_id: '1234' }, url: '/echo' });
    const h = seen[0]?.headers;
    assert.equal(h?.authorization, `Bearer ${SECRET}`);
    assert.equal(h?.['x-tenant'], 'tenant-42');
    assert.equal(h?.['idempotency-key'], 'sess_1:call_abc');
    assert.equal(h?.['x-parley-session'], 'sess_1');
    assert.equal(h?.['content-type'], 'application/json');
  });

  it('reads header values at call time', async () => {
    const live: Record<string, string | undefined> = { CRM_TOKEN: 'first-token' };
    const s = spec('/echo', { headersFromEnv: { Authorization: 'CRM_TOKEN' } });
    await callWebhook(s, req(), { env: live });
    live.CRM_TOKEN = 'rotated-token';
    await callWebhook(s, req(), { env: live });
    assert.deepEqual(
      seen.map((x) => x.headers.authorization),
      ['first-token', 'rotated-token'],
    );
  });

  it('GET sends the arguments as a query string, without a body', async () => {
    const r = await callWebhook(spec('/echo', { method: 'GET' }), req({ order_id: '12 34', tags: ['a', 'b'], skip: undefined }), opts);
    assert.deepEqual(r.output, { method: 'GET', body: null, url: '/echo?order_id=12+34&tags=a&tags=b' });
  });

  it('a text answer becomes { result }', async () => {
    const r = await callWebhook(spec('/text'), req(), opts);
    assert.deepEqual(r.output, { result: 'Order 1234 ships Tuesday' });
  });

  it('retries a 503 and succeeds, with the same Idempotency-Key on both attempts', async () => {
    const r = await callWebhook(spec('/flaky', { retries: 2 }), req(), opts);
    assert.deepEqual(r.output, { ok: 'second time' });
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen.map((x) => x.headers['idempotency-key']),
      ['sess_1:call_abc', 'sess_1:call_abc'],
    );
  });

  it('honours Retry-After on a 429', async () => {
    const r = await callWebhook(spec('/retry-after', { retries: 1 }), req(), { ...opts, baseDelayMs: 1 });
    assert.deepEqual(r.output, { ok: true });
    assert.equal(seen.length, 2);
    const waited = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0);
    assert.ok(waited >= 950, `waited ${waited} ms, Retry-After asked for 1 s`);
  });

  it('does not wait for a Retry-After longer than the cap: the error comes at once', async () => {
    const r = await callWebhook(spec('/retry-after', { retries: 1 }), req(), { ...opts, maxRetryAfterMs: 500 });
    assert.equal(seen.length, 1);
    assert.equal(r.error?.code, 'webhook_http_error');
    assert.deepEqual((r.output as { status: number }).status, 429);
  });

  it('gives up after the retries with the status in the error', async () => {
    const r = await callWebhook(spec('/down', { retries: 2 }), req(), opts);
    assert.equal(seen.length, 3);
    assert.equal(r.error?.code, 'webhook_http_error');
    assert.match(r.error?.message ?? '', /HTTP 500 after 3 attempts/);
    assert.deepEqual(r.output, { error: r.error?.message, code: 'webhook_http_error', status: 500, response: { error: 'boom' } });
  });

  it('does not retry a 4xx, and keeps secrets out of the output and the error', async () => {
    const r = await callWebhook(spec('/bad', { retries: 3, headersFromEnv: { Authorization: 'CRM_TOKEN' } }), req(), opts);
    assert.equal(seen.length, 1);
    assert.equal(r.error?.code, 'webhook_http_error');
    assert.match(r.error?.message ?? '', /HTTP 400/);
    // The server echoed the Authorization header back: it is redacted.
    const text = JSON.stringify(r);
    assert.ok(!text.includes(SECRET), text);
    assert.equal((r.output as { response: { error: string } }).response.error, 'date must be in the future');
  });

  it('times out an attempt that does not answer, without retrying it', async () => {
    const started = Date.now();
    const r = await callWebhook(spec('/slow', { timeoutMs: 100, retries: 2 }), req(), opts);
    assert.equal(r.error?.code, 'tool_timeout');
    assert.match(r.error?.message ?? '', /within 100 ms/);
    assert.ok(Date.now() - started < 380, 'answered before the server did');
    assert.equal(seen.length, 1);
  });

  it('stops when the runner aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await callWebhook(spec('/slow'), { ...req(), signal: ac.signal }, opts);
    assert.equal(r.error?.code, 'tool_timeout');
  });

  it('an unreachable server is retried, then reported without secrets', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const s = WebhookToolSpecSchema.parse({ type: 'webhook', name: 'crm', description: 'd', url: `http://127.0.0.1:${port}/x`, parameters: { type: 'object' }, retries: 1, headersFromEnv: { Authorization: 'CRM_TOKEN' } });
    const r = await callWebhook(s, req(), { ...opts, fetch: counting });
    assert.equal(attempts, 2);
    assert.equal(r.error?.code, 'webhook_unreachable');
    assert.match(r.error?.message ?? '', /could not be reached \(ECONNREFUSED\) after 2 attempts/);
    assert.ok(!JSON.stringify(r).includes(SECRET));
  });

  it('a missing environment variable names the variable, not a value', async () => {
    const r = await callWebhook(spec('/echo', { headersFromEnv: { Authorization: 'NOT_SET_ANYWHERE' } }), req(), opts);
    assert.equal(r.error?.code, 'webhook_misconfigured');
    assert.match(r.error?.message ?? '', /NOT_SET_ANYWHERE/);
    assert.equal(seen.length, 0);
  });

  it('does not follow redirects (they would carry the secret headers elsewhere)', async () => {
    const r = await callWebhook(spec('/redirect', { headersFromEnv: { Authorization: 'CRM_TOKEN' } }), req(), opts);
    assert.equal(r.error?.code, 'webhook_http_error');
    assert.match(r.error?.message ?? '', /redirect \(HTTP 302\)/);
    assert.equal(seen.length, 1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')), 5000);
    assert.equal(retryAfterMs('soon'), null);
    assert.equal(retryAfterMs(null), null);
  });
});
