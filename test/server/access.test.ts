import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { SessionTokens, tokenKey } from '../../src/auth/session-token.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient, refusedUpgrade } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = 'test-admin-key-0123456789';
const TOKEN_SECRET = 'access-test-token-secret-0123456789abcdef';

const agent = (name: string, access: 'public' | 'key'): string => `name: ${name}
description: Access test agent.
instructions: Test.
engine: echo
access: ${access}
`;

type Credential = { name: string; expect: { status: number; code: string }; headers: () => Record<string, string> };

describe('access: every protected endpoint refuses a missing, expired, wrong, revoked or wrong-scope credential', () => {
  let srv: TestServer;
  let store: Store;
  let dir: string;
  let keys: ApiKeyStore;
  const secrets: Record<string, string> = {};
  const tokens = new SessionTokens(tokenKey(TOKEN_SECRET));
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-access-'));
    writeFileSync(join(dir, 'widget.yaml'), agent('widget', 'public'));
    writeFileSync(join(dir, 'backoffice.yaml'), agent('backoffice', 'key'));
    writeFileSync(join(dir, 'billing.yaml'), agent('billing', 'key'));
    store = await openStore({ dataDir: 'memory://' });
    keys = new ApiKeyStore(store.db);
    secrets.admin = (await keys.create({ name: 'ops', scopes: ['admin'] })).secret;
    secrets.backoffice = (await keys.create({ name: 'crm', scopes: ['agent:backoffice'] })).secret;
    secrets.expired = (await keys.create({ name: 'old', scopes: ['admin'], expiresAt: new Date(Date.now() - 1000) })).secret;
    const revoked = await keys.create({ name: 'gone', scopes: ['admin'] });
    await keys.revoke(revoked.key.id);
    secrets.revoked = revoked.secret;
    // The right shape and id, the wrong secret.
    secrets.wrong = `${secrets.admin.slice(0, -4)}AAAA`;
    srv = await startTestServer({ server: { apiKey: ADMIN, tokenSecret: TOKEN_SECRET }, agents: { default: 'widget' } }, { agentsDir: dir, store });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const credentials = (): Credential[] => [
    { name: 'missing', expect: { status: 401, code: 'missing_credential' }, headers: () => ({}) },
    { name: 'wrong secret', expect: { status: 401, code: 'invalid_credential' }, headers: () => bearer(secrets.wrong!) },
    { name: 'not a Parley credential', expect: { status: 401, code: 'invalid_credential' }, headers: () => bearer('sk-not-a-parley-key') },
    { name: 'expired key', expect: { status: 401, code: 'credential_expired' }, headers: () => bearer(secrets.expired!) },
    { name: 'revoked key', expect: { status: 401, code: 'credential_revoked' }, headers: () => bearer(secrets.revoked!) },
    {
      name: 'expired session token',
      expect: { status: 401, code: 'credential_expired' },
      headers: () => bearer(tokens.sign({ agent: 'backoffice', sid: 'sess_expired1', exp: Math.floor(Date.now() / 1000) - 1, iss: 'env', quota: null, caller: null })),
    },
    {
      name: 'forged session token',
      expect: { status: 401, code: 'invalid_credential' },
      headers: () => bearer(new SessionTokens(tokenKey('another-deployment-secret-0123456789abcdef')).sign({ agent: 'backoffice', sid: 'sess_forged1', exp: Math.floor(Date.now() / 1000) + 60, iss: 'env', quota: null, caller: null })),
    },
  ];

  it('the admin API: every /api route but POST /api/session, from its own OpenAPI document', async () => {
    const doc = (await (await fetch(`${srv.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      // For callers, not admins: session secrets, attaching a call, and the agent picker's list (tested below).
      .filter(([path]) => path.startsWith('/api/') && !['/api/session', '/api/session/call', '/api/agents'].includes(path))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x_1') })));
    assert.ok(routes.length >= 10, `found ${routes.length} admin routes`);
    const scoped = { name: 'agent-scoped key', expect: { status: 403, code: 'insufficient_scope' }, headers: () => bearer(secrets.backoffice!) };
    const token = { name: 'session token', expect: { status: 403, code: 'insufficient_scope' }, headers: () => bearer(tokens.sign({ agent: 'widget', sid: 'sess_tok1', exp: Math.floor(Date.now() / 1000) + 60, iss: 'anonymous', quota: null, caller: null })) };
    for (const r of routes) {
      for (const c of [...credentials(), scoped, token]) {
        const res = await fetch(`${srv.url}${r.path}`, { method: r.method, headers: { ...c.headers(), ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) }, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { body: '{}' }) });
        const body = (await res.json()) as { error: { code: string } };
        assert.deepEqual({ status: res.status, code: body.error.code }, c.expect, `${r.method} ${r.path} with a ${c.name} credential`);
        if (res.status === 401) assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
      // And the right credentials get past the guard (whatever the route then says about '{}' or 'x_1').
      for (const ok of [ADMIN, secrets.admin!]) {
        const res = await fetch(`${srv.url}${r.path}`, { method: r.method, headers: { ...bearer(ok), ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) }, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { body: '{}' }) });
        assert.ok(![401, 403].includes(res.status), `${r.method} ${r.path} with an admin key: ${res.status}`);
      }
    }
  });

  it('GET /api/agents lists only the agents the caller may use', async () => {
    const names = async (headers: Record<string, string>): Promise<string[]> => {
      const res = await fetch(`${srv.url}/api/agents`, { headers });
      assert.equal(res.status, 200);
      return ((await res.json()) as { agents: { name: string }[] }).agents.map((a) => a.name).sort();
    };
    assert.deepEqual(await names({}), ['widget'], 'anyone: the public agents');
    assert.deepEqual(await names(bearer(secrets.backoffice!)), ['backoffice', 'widget'], 'a key: also the agents it is scoped to');
    assert.deepEqual(await names(bearer(ADMIN)), ['backoffice', 'billing', 'widget'], 'an admin: all of them');
  });

  it('an access: key agent over /v1/realtime, POST /api/session and /v1/realtime/client_secrets', async () => {
    const other = { name: 'key for another agent', expect: { status: 403, code: 'insufficient_scope' }, headers: () => bearer(secrets.backoffice!) };
    const otherToken = { name: "another agent's token", expect: { status: 403, code: 'insufficient_scope' }, headers: () => bearer(tokens.sign({ agent: 'backoffice', sid: 'sess_tok2', exp: Math.floor(Date.now() / 1000) + 60, iss: 'env', quota: null, caller: null })) };
    for (const c of [...credentials(), other, otherToken]) {
      assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=billing`, { headers: c.headers() }), c.expect, `/v1/realtime with a ${c.name} credential`);
      const minted = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { ...c.headers(), 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'billing' }) });
      assert.deepEqual({ status: minted.status, code: ((await minted.json()) as { error: { code: string } }).error.code }, c.expect, `POST /api/session with a ${c.name} credential`);
      const secret = await fetch(`${srv.url}/v1/realtime/client_secrets?agent=billing`, { method: 'POST', headers: { ...c.headers(), 'content-type': 'application/json' }, body: '{}' });
      assert.deepEqual({ status: secret.status, code: ((await secret.json()) as { error: { code: string } }).error.code }, c.expect, `client_secrets with a ${c.name} credential`);
    }
    for (const c of credentials()) {
      const attach = await fetch(`${srv.url}/api/session/call`, { method: 'POST', headers: { ...c.headers(), 'content-type': 'application/json' }, body: JSON.stringify({ call_id: 'rtc_x', agent: 'billing' }) });
      assert.deepEqual({ status: attach.status, code: ((await attach.json()) as { error: { code: string } }).error.code }, c.expect, `POST /api/session/call with a ${c.name} credential`);
    }
    // The browser way: the same refusals through the subprotocol.
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=billing`, { protocols: ['realtime', `openai-insecure-api-key.${secrets.expired}`] }), { status: 401, code: 'credential_expired' });
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=billing`, { protocols: ['realtime', `openai-insecure-api-key.${secrets.backoffice}`] }), { status: 403, code: 'insufficient_scope' });
  });

  it('the right credential gets in: a scoped key for its agent, a token for its session, anyone for a public agent', async () => {
    const viaKey = await RawClient.connect(`${srv.wsUrl}?agent=backoffice`, { protocols: ['realtime', `openai-insecure-api-key.${secrets.backoffice}`] });
    assert.equal((await viaKey.next('session.created')).type, 'session.created');
    await viaKey.close();
    const minted = (await (await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { ...bearer(secrets.backoffice!), 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'backoffice', caller_id: 'user-7' }) })).json()) as {
      session_id: string;
      client_secret: { value: string; expires_at: number };
      connect: { mode: string; url: string };
    };
    assert.equal(minted.connect.mode, 'parley');
    assert.equal(minted.connect.url, `${srv.wsUrl}?session_id=${minted.session_id}`, "the session id in the URL lets a load balancer route by it");
    assert.ok(minted.client_secret.expires_at - Date.now() / 1000 <= 60 && minted.client_secret.expires_at - Date.now() / 1000 > 50, 'valid about 60 s');
    const viaToken = await RawClient.connect(minted.connect.url, { protocols: ['realtime', `openai-insecure-api-key.${minted.client_secret.value}`] });
    assert.equal((await viaToken.next('session.created')).session.id, minted.session_id);
    await viaToken.close();
    const row = await store.records.session(minted.session_id);
    assert.equal(row?.agent, 'backoffice');
    assert.equal(row?.callerId, 'user-7', 'the caller named at minting is the caller of the session');
    // The same token reconnects to the same session (a dropped connection), not a new one.
    const again = await RawClient.connect(minted.connect.url, { protocols: ['realtime', `openai-insecure-api-key.${minted.client_secret.value}`] });
    assert.equal((await again.next('session.created')).session.id, minted.session_id);
    await again.close();
    // A token cannot be pointed at another session or agent.
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=billing`, { protocols: ['realtime', `openai-insecure-api-key.${minted.client_secret.value}`] }), { status: 403, code: 'insufficient_scope' });
    const pub = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
    assert.equal((await pub.next('session.created')).type, 'session.created');
    await pub.close();
  });
});
