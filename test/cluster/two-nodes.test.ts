import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { TwilioNetwork } from '../../src/simulators/twilio/index.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { startParleyProcess, type ParleyProcess } from '../helpers/parley-process.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { RawClient, refusedUpgrade, spokenText, type Json } from '../helpers/realtime-client.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/server.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../helpers/twilio.js';

/*
 * Two Parley processes behind nginx (with deploy/nginx/'s routing rules), sharing a real
 * PostgreSQL and a real Redis, all on loopback: what one node does, the other sees.
 */

const ADMIN_KEY = 'cluster-admin-key-0123456789abcdef';
const NODES = ['node-a', 'node-b'] as const;
type NodeName = (typeof NODES)[number];
const RECEPTIONIST = '+15550100000';
const DRAIN_MS = 8000;

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const nodeOf = (sessionId: string): string => /^sess_([a-z0-9-]+)_/.exec(sessionId)?.[1] ?? '(untagged)';
const wsOf = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws');

describe('two Parley nodes behind nginx, sharing PostgreSQL and Redis', { timeout: 300_000 }, () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let lb: TestNginx;
  const node = {} as Record<NodeName, ParleyProcess>;
  const open: RawClient[] = [];

  /** A session through nginx (or straight to a node): the client, its session id and the node that took it. */
  const connect = async (base: string, query = '', protocols: string[] = ['realtime']): Promise<{ client: RawClient; id: string; answeredBy: string }> => {
    const client = await RawClient.connect(`${wsOf(base)}/v1/realtime${query ? `?${query}` : ''}`, { protocols });
    open.push(client);
    const created = await client.next('session.created', undefined, 20_000);
    return { client, id: created.session.id as string, answeredBy: String(client.upgradeHeaders['x-parley-node']) };
  };

  before(async () => {
    pg = await startPostgres();
    const [database, r] = await Promise.all([pg.newDatabase(), startRedis()]);
    redis = r;
    const ports = { 'node-a': await freePort(), 'node-b': await freePort() };
    lb = await startNginx(ports);
    const env = (name: NodeName): Record<string, string> => ({
      PARLEY_NODE_ID: name,
      DATABASE_URL: database,
      REDIS_URL: redis.url,
      PARLEY_API_KEY: ADMIN_KEY,
      PARLEY_TOKEN_SECRET: 'cluster-test-token-secret-0123456789abcdef',
      PARLEY_TRUST_PROXY: 'true',
      PUBLIC_URL: lb.url,
      TWILIO_AUTH_TOKEN,
      // Small per-key limits, so crossing them takes a few sessions; callers without a key are not in the way.
      PARLEY_SESSIONS_PER_MINUTE_PER_KEY: '4',
      PARLEY_CONCURRENT_SESSIONS_PER_KEY: '2',
      PARLEY_SESSIONS_PER_MINUTE_PER_IP: '1000',
      PARLEY_CONCURRENT_SESSIONS_PER_IP: '1000',
      PARLEY_DRAIN_TIMEOUT_MS: String(DRAIN_MS),
      LOG_LEVEL: 'info',
    });
    // One after the other: the first applies the migrations.
    node['node-a'] = await startParleyProcess({ port: ports['node-a'], env: env('node-a'), readyTimeoutMs: 60_000 });
    node['node-b'] = await startParleyProcess({ port: ports['node-b'], env: env('node-b'), readyTimeoutMs: 60_000 });
  });

  after(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await Promise.allSettled(NODES.map((n) => node[n]?.stop(5000)));
    await lb?.stop();
    await redis?.stop();
    await pg?.stop();
  });

  it('new sessions are spread over both nodes; each session id names the node that holds it', async () => {
    const sessions = [];
    // The test's nginx picks at random: a dozen tries see both nodes but once in 2,000 runs.
    while (sessions.length < 12 && new Set(sessions.map((s) => s.answeredBy)).size < 2) sessions.push(await connect(lb.url));
    for (const s of sessions) assert.equal(nodeOf(s.id), s.answeredBy, `session ${s.id} was answered by ${s.answeredBy}`);
    assert.deepEqual(new Set(sessions.map((s) => s.answeredBy)), new Set(NODES), 'nginx used both nodes');
    await Promise.all(sessions.map((s) => s.client.close()));
  });

  it('a reconnect reaches the node that holds its session, every time', async () => {
    // One session on each node, so routing by luck would show.
    for (const holder of NODES) {
      const first = await connect(node[holder].url, 'caller_id=cluster-reconnect');
      assert.equal(nodeOf(first.id), holder);
      first.client.ws.terminate();
      await first.client.closed;
      for (let i = 0; i < 3; i++) {
        const again = await connect(lb.url, `session_id=${first.id}&caller_id=cluster-reconnect`);
        assert.equal(again.id, first.id, 'the same session, resumed');
        assert.equal(again.answeredBy, holder, `reconnect ${i + 1} reached ${again.answeredBy}, not ${holder}`);
        again.client.ws.terminate();
        await again.client.closed;
      }
    }
  });

  it('a session token connects to the node that minted it (the connect URL names the session)', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${lb.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'receptionist' }) });
      assert.equal(res.status, 200);
      const minted = (await res.json()) as { session_id: string; client_secret: { value: string }; connect: { url: string } };
      const mintedBy = res.headers.get('x-parley-node');
      assert.equal(nodeOf(minted.session_id), mintedBy);
      const url = new URL(minted.connect.url);
      const s = await connect(lb.url, url.search.slice(1), ['realtime', `openai-insecure-api-key.${minted.client_secret.value}`]);
      assert.equal(s.id, minted.session_id);
      assert.equal(s.answeredBy, mintedBy);
      await s.client.close();
    }
  });

  it('a resume that lands on another node ends the old connection there first (through Redis), then takes over', async () => {
    const first = await connect(node['node-b'].url, 'caller_id=cluster-takeover');
    first.client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What are your opening hours?' }] } });
    first.client.send({ type: 'response.create' });
    await first.client.next('response.done', (e) => e.response.status === 'completed', 20_000);
    // Straight to node-a, bypassing the balancer: node-b still holds the session and its socket.
    const second = await connect(node['node-a'].url, `session_id=${first.id}&caller_id=cluster-takeover`);
    assert.equal(second.id, first.id);
    assert.equal(second.answeredBy, 'node-a');
    const closed = await first.client.closed;
    assert.equal(closed.reason, 'resumed on a new connection', 'node-b ended its connection when asked');
    // The re-seed is complete: node-b flushed before node-a read the record.
    const items = (await second.client.next('conversation.item.added', (e: Json) => e.item?.role === 'user', 10_000)) as Json;
    assert.match(JSON.stringify(items.item.content), /opening hours/);
    await second.client.close();
  });

  it('the admin API ends a call whichever node it asks, and the record is complete when it answers', async () => {
    for (const holder of NODES) {
      const s = await connect(node[holder].url, 'caller_id=cluster-admin-end');
      const other = NODES.find((n) => n !== holder)!;
      const res = await fetch(`${node[other].url}/api/sessions/${s.id}/end`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'cluster test' }) });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { session_id: s.id, ended: true, node: holder });
      const closed = await s.client.closed;
      assert.match(closed.reason, /ended by an operator: cluster test/);
      const record = (await (await fetch(`${node[other].url}/api/sessions/${s.id}`, { headers: admin })).json()) as { endReason: string | null; endedAt: string | null };
      assert.equal(record.endReason, 'ended by an operator: cluster test');
      assert.ok(record.endedAt);
      const again = await fetch(`${lb.url}/api/sessions/${s.id}/end`, { method: 'POST', headers: admin });
      assert.equal(again.status, 404, await again.clone().text());
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'session_not_live');
    }
  });

  it('concurrent-session and creation-rate limits count across nodes', async () => {
    const created = await fetch(`${lb.url}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cluster-limits', scopes: ['agents:*'] }) });
    assert.equal(created.status, 201);
    const { secret, key } = (await created.json()) as { secret: string; key: { id: string } };
    const withKey = { headers: { authorization: `Bearer ${secret}` } };
    const keyed = async (n: NodeName): Promise<RawClient> => {
      const c = await RawClient.connect(`${wsOf(node[n].url)}/v1/realtime`, withKey);
      open.push(c);
      await c.next('session.created', undefined, 20_000);
      return c;
    };
    // Two at once per key: one on each node fills the quota.
    const a = await keyed('node-a');
    await keyed('node-b');
    const third = await refusedUpgrade(`${wsOf(node['node-a'].url)}/v1/realtime`, withKey);
    assert.deepEqual(third, { status: 429, code: 'too_many_sessions' }, 'node-a counts the session node-b holds');
    await a.close();
    // The place goes back when node-a sees the socket close: watch it leave the shared count.
    const shared = new Redis(redis.url);
    try {
      await waitUntil(async () => (await shared.zcard(`parley:admission:key:${key.id}`)) === 1, 5000, 'the closed session to give its place back');
    } finally {
      shared.disconnect();
    }
    // Four creations per minute per key, wherever: two sessions and the refused one made three.
    await keyed('node-b');
    const fifth = await refusedUpgrade(`${wsOf(node['node-a'].url)}/v1/realtime`, withKey);
    assert.equal(fifth.code, 'rate_limited', 'node-a counts the creations node-b saw');
  });

  it("a phone call's media stream reaches the node that answered the webhook", async () => {
    const net = await TwilioNetwork.start({ authToken: TWILIO_AUTH_TOKEN, accountSid: TWILIO_ACCOUNT_SID });
    try {
      // Calls stay on the line while the next one rings, so the balancer spreads them over both nodes.
      const calls: { call: Awaited<ReturnType<typeof net.call>>; node: string }[] = [];
      while (calls.length < 12 && new Set(calls.map((c) => c.node)).size < 2) {
        const i = calls.length;
        const call = await net.call({ baseUrl: lb.url, from: `+161755502${String(i).padStart(2, '0')}`, to: RECEPTIONIST });
        // The greeting plays: the stream found its call on the node that answered the webhook.
        await call.waitForMarks(25, 30_000);
        const sessionId = call.customParameters?.session_id ?? '';
        assert.match(call.streamUrl ?? '', new RegExp(`/twilio/media-stream/${sessionId}$`), 'the stream URL names the session');
        assert.deepEqual(call.errors, []);
        calls.push({ call, node: nodeOf(sessionId) });
      }
      assert.deepEqual(new Set(calls.map((c) => c.node)), new Set(NODES), 'calls were answered by both nodes, and each stream found its call');
      await Promise.all(calls.map((c) => c.call.hangUp()));
    } finally {
      await net.close();
    }
  });

  it('SIGTERM drains a node: it takes no new sessions, nginx sends them to the other, and its live call ends with a goodbye, recorded', async () => {
    const live = await connect(node['node-a'].url, 'caller_id=cluster-drain');
    await live.client.next('response.done', undefined, 20_000);
    const stopped = node['node-a'].kill('SIGTERM');
    const asked = Date.now();
    // While it drains: unready, refusing new sessions itself, but the live call goes on.
    await waitUntil(async () => (await fetch(`${node['node-a'].url}/readyz`)).status === 503, 5000, 'node-a to turn unready');
    assert.deepEqual(await (await fetch(`${node['node-a'].url}/readyz`)).json(), { status: 'draining' });
    assert.deepEqual(await refusedUpgrade(`${wsOf(node['node-a'].url)}/v1/realtime`), { status: 503, code: 'server_draining' });
    live.client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What are your opening hours?' }] } });
    live.client.send({ type: 'response.create' });
    const answer = await live.client.next('response.done', undefined, 20_000);
    assert.ok(Date.now() - asked < DRAIN_MS, 'answered within the drain time (else the goodbye cancels it)');
    assert.equal(answer.response.status, 'completed', 'the live call was still served while draining');
    assert.match(spokenText(answer.response), /open/i, "and answered");
    for (let i = 0; i < 3; i++) {
      const s = await connect(lb.url);
      assert.equal(s.answeredBy, 'node-b', 'nginx moved on from the draining node');
      await s.client.close();
    }
    // After the drain timeout the agent says goodbye, then the session ends and the process exits.
    const goodbye = await live.client.next('response.output_audio_transcript.done', (e) => /end our call now/.test(e.transcript), DRAIN_MS + 20_000);
    assert.ok(goodbye);
    const closed = await live.client.closed;
    assert.equal(closed.code, 1000);
    assert.deepEqual(await stopped, { code: 0, signal: null }, 'node-a exited cleanly');
    const record = (await (await fetch(`${node['node-b'].url}/api/sessions/${live.id}`, { headers: admin })).json()) as { endReason: string; transcript: { role: string; text: string }[] };
    assert.equal(record.endReason, 'shutdown');
    assert.match(record.transcript.at(-1)?.text ?? '', /end our call now for maintenance/, 'the goodbye is in the record: it was flushed before exit');
  });
});

async function waitUntil(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
