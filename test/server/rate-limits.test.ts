import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { MessageRate } from '../../src/server/limits/message-rate.js';
import { InProcessAdmission } from '../../src/server/limits/admission.js';
import { openStore } from '../../src/store/index.js';
import { RawClient, refusedUpgrade } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = 'test-admin-key-0123456789';
const LIMITS = { sessionsPerMinutePerIp: 3, sessionsPerMinutePerKey: 4, concurrentSessionsPerIp: 2, concurrentSessionsPerKey: 2, messagesPerSecond: 5 };

const agent = (name: string, access: 'public' | 'key'): string => `name: ${name}\ndescription: Limits test agent.\ninstructions: Test.\nengine: echo\naccess: ${access}\n`;

/** A fresh server per case, so one limit's count never leaks into another's. */
async function server(dir: string): Promise<{ srv: TestServer; key: string }> {
  const store = await openStore({ dataDir: 'memory://' });
  const key = (await new ApiKeyStore(store.db).create({ name: 'crm', scopes: ['agents:*'] })).secret;
  const srv = await startTestServer({ server: { apiKey: ADMIN }, agents: { default: 'widget' }, limits: LIMITS }, { agentsDir: dir, store });
  return { srv, key };
}

const mint = (srv: TestServer, headers: Record<string, string> = {}, agentName = 'widget') =>
  fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ agent: agentName }) });

describe('rate limits trip exactly at their configured number', () => {
  let dir: string;
  let srv: TestServer;
  let key: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-limits-'));
    writeFileSync(join(dir, 'widget.yaml'), agent('widget', 'public'));
    writeFileSync(join(dir, 'backoffice.yaml'), agent('backoffice', 'key'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('session creation per address (public agents): the 4th of 3 per minute is 429 with Retry-After, over HTTP and WebSocket alike', async () => {
    ({ srv } = await server(dir));
    try {
      for (let i = 0; i < 2; i++) assert.equal((await mint(srv)).status, 200, `token ${i + 1}`);
      const ws = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
      await ws.next('session.created');
      await ws.close();
      const over = await mint(srv);
      assert.equal(over.status, 429);
      assert.equal(((await over.json()) as { error: { code: string } }).error.code, 'rate_limited');
      const retry = Number(over.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=widget`), { status: 429, code: 'rate_limited' });
      // Admin keys are the operator's and are not limited.
      assert.equal((await mint(srv, { authorization: `Bearer ${ADMIN}` })).status, 200);
    } finally {
      await srv.close();
    }
  });

  it('session creation per key: the 5th of 4 per minute is 429; another caller is not affected', async () => {
    ({ srv, key } = await server(dir));
    try {
      for (let i = 0; i < 4; i++) assert.equal((await mint(srv, { authorization: `Bearer ${key}` }, 'backoffice')).status, 200, `token ${i + 1}`);
      const over = await mint(srv, { authorization: `Bearer ${key}` }, 'backoffice');
      assert.equal(over.status, 429);
      assert.ok(Number(over.headers.get('retry-after')) >= 1);
      assert.equal((await mint(srv)).status, 200, 'an anonymous caller still gets in');
    } finally {
      await srv.close();
    }
  });

  it('concurrent sessions per key: 2 at once; the 3rd waits for one to end; racing connects never overshoot', async () => {
    ({ srv, key } = await server(dir));
    try {
      const url = `${srv.wsUrl}?agent=backoffice`;
      const headers = { authorization: `Bearer ${key}` };
      const a = await RawClient.connect(url, { headers });
      const b = await RawClient.connect(url, { headers });
      await Promise.all([a.next('session.created'), b.next('session.created')]);
      assert.deepEqual(await refusedUpgrade(url, { headers }), { status: 429, code: 'too_many_sessions' });
      // Closing gives the place back as the connection ends.
      await a.close();
      const c = await connectWhenFree(url, headers);
      await c.next('session.created');
      await Promise.all([b.close(), c.close()]);
    } finally {
      await srv.close();
    }
  });

  it('concurrent sessions per key: six racing connects, of which exactly two get in', async () => {
    ({ srv, key } = await server(dir));
    try {
      const race = await Promise.allSettled(Array.from({ length: 6 }, () => RawClient.connect(`${srv.wsUrl}?agent=backoffice`, { headers: { authorization: `Bearer ${key}` } })));
      const won = race.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 2, 'exactly the quota, however the connects interleave');
      const lost = race.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.equal(lost.filter((m) => /429/.test(m)).length, 4, lost.join('; '));
      await Promise.all(won.map((r) => (r as PromiseFulfilledResult<RawClient>).value.close()));
    } finally {
      await srv.close();
    }
  });

  it('concurrent sessions per address for public agents: the 3rd of 2 is 429', async () => {
    ({ srv } = await server(dir));
    try {
      const a = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
      const b = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
      assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=widget`), { status: 429, code: 'too_many_sessions' });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await srv.close();
    }
  });

  it('messages per second per connection: a burst of 25 (5 s at 5/s) passes, the 26th closes the socket with 1008 rate_limited', async () => {
    ({ srv } = await server(dir));
    try {
      const ws = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
      await ws.next('session.created');
      // Sent together, so that no token comes back (one takes 200 ms) before the 26th.
      for (let i = 0; i < 26; i++) ws.send({ type: 'input_audio_buffer.clear' });
      const closed = await ws.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /^rate_limited/);
      assert.equal(ws.types().filter((t) => t === 'input_audio_buffer.cleared').length, 25, 'the burst was handled');
      assert.equal((await ws.next('error')).error.code, 'rate_limited');
    } finally {
      await srv.close();
    }
  });
});

describe('limit primitives', () => {
  it('MessageRate: a burst of five seconds\' worth, then the sustained rate', () => {
    let now = 0;
    const rate = new MessageRate(3, () => now);
    assert.equal(rate.burst, 15);
    const burst = Array.from({ length: 16 }, () => rate.take());
    assert.deepEqual(burst.slice(0, 15), Array(15).fill(true), 'a full bucket takes fifteen at once');
    assert.equal(burst[15], false, 'the sixteenth finds it empty');
    now = 332;
    assert.equal(rate.take(), false, 'one token takes a third of a second to come back');
    now = 334;
    assert.deepEqual([rate.take(), rate.take()], [true, false]);
    now = 100_000;
    assert.equal(Array.from({ length: 20 }, () => rate.take()).filter(Boolean).length, 15, 'a long quiet refills the bucket to its size, not beyond');
  });

  it('MessageRate: real-time audio that a 4 s pause bunched up is not a flood; a sustained flood is', () => {
    let now = 0;
    const rate = new MessageRate(200, () => now);
    // 20 ms frames at real time for 10 s, then 4 s of frames arriving in one instant.
    for (let i = 0; i < 500; i++, now += 20) assert.equal(rate.take(), true);
    now += 4000;
    assert.equal(Array.from({ length: 200 }, () => rate.take()).every(Boolean), true, 'the backlog passes');
    // Twice the rate, sustained: refused once the burst is used up, within about five seconds.
    let refusedAt: number | null = null;
    for (let i = 0; i < 4000 && refusedAt === null; i++, now += 2.5) if (!rate.take()) refusedAt = i;
    assert.ok(refusedAt !== null && refusedAt > 1000 && refusedAt < 2400, `a flood at 400/s refused after ${refusedAt} messages`);
  });

  it('InProcessAdmission: reservations are atomic and released once', async () => {
    const adm = new InProcessAdmission();
    const got = await Promise.all(Array.from({ length: 5 }, () => adm.reserve('key:k', 2)));
    assert.equal(got.filter(Boolean).length, 2);
    got[0]!.release();
    got[0]!.release();
    assert.equal(await adm.held('key:k'), 1, 'a double release gives back one place, not two');
    assert.ok(await adm.reserve('key:k', 2));
    assert.equal(await adm.reserve('key:k', 2), null);
  });
});

/** The server learns of a close a moment after the client: retry the refused connect briefly. */
async function connectWhenFree(url: string, headers: Record<string, string>): Promise<RawClient> {
  const end = Date.now() + 5000;
  for (;;) {
    try {
      return await RawClient.connect(url, { headers });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
