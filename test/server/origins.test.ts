import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient, refusedUpgrade } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SHOP = 'https://shop.example.com';

describe('browser origins: CORS for the API, Origin checks for WebSockets', () => {
  let srv: TestServer;
  const post = (origin: string | undefined) =>
    fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: JSON.stringify({ agent: 'receptionist' }) });
  before(async () => {
    srv = await startTestServer({ server: { corsOrigins: SHOP } }, { agentsDir: 'agents' });
  });
  after(() => srv.close());

  it('a listed origin gets CORS headers and its preflight is answered', async () => {
    const res = await post(SHOP);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), SHOP);
    const pre = await fetch(`${srv.url}/api/session`, { method: 'OPTIONS', headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), SHOP);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
  });

  it('an unlisted origin is refused with 403 before anything happens, preflight included', async () => {
    const res = await post('https://evil.example.net');
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const pre = await fetch(`${srv.url}/api/session`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 403);
  });

  it("Parley's own pages and clients without an Origin (servers, SDKs) pass", async () => {
    assert.equal((await post(srv.url)).status, 200);
    assert.equal((await post(undefined)).status, 200);
  });

  it('WebSocket upgrades: an unlisted Origin is refused, a listed one and the own origin get in', async () => {
    assert.deepEqual(await refusedUpgrade(srv.wsUrl, { headers: { origin: 'https://evil.example.net' } }), { status: 403, code: 'origin_not_allowed' });
    for (const origin of [SHOP, srv.url]) {
      const ws = await RawClient.connect(srv.wsUrl, { headers: { origin } });
      await ws.next('session.created');
      await ws.close();
    }
  });
});
