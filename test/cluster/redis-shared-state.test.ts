import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ControlBus, ControlError } from '../../src/cluster/control-bus.js';
import { RedisAdmission } from '../../src/cluster/redis-admission.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

const logger = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('shared state in a real Redis', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis(redis.url);
    clients.push(c);
    return c;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    clients.forEach((c) => c.disconnect());
    await redis.stop();
  });

  it('two nodes racing for places get exactly the maximum between them', async () => {
    const a = new RedisAdmission(client(), 'node-a');
    const b = new RedisAdmission(client(), 'node-b');
    const tries = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve('key:race', 7)));
    const got = tries.filter((r) => r !== null);
    assert.equal(got.length, 7);
    assert.equal(await a.held('key:race'), 7);
    got[0]!.release();
    got[0]!.release();
    await sleep(50);
    assert.equal(await b.held('key:race'), 6, 'a double release gives back one place');
    assert.ok(await b.reserve('key:race', 7), 'and the freed place can be taken');
    a.close();
    b.close();
  });

  it("a node that dies without releasing gives its places back when their leases run out; a live node's are renewed", async () => {
    const dead = new RedisAdmission(client(), 'node-dead', 600);
    const alive = new RedisAdmission(client(), 'node-alive', 600);
    assert.ok(await dead.reserve('key:lease', 2));
    assert.ok(await alive.reserve('key:lease', 2));
    dead.close(); // stops renewing: as if the process had crashed
    assert.equal(await alive.reserve('key:lease', 2), null, 'full while both leases hold');
    await sleep(1500);
    // The alive node renewed its place; the dead one's ran out.
    const again = await alive.reserve('key:lease', 2);
    assert.ok(again, "the dead node's place came back");
    assert.equal(await alive.reserve('key:lease', 2), null, "the live node's first place is still held");
    alive.close();
  });

  it('the control bus answers requests, fails at once for a node nobody listens as, and ignores malformed messages', async () => {
    const a = await ControlBus.start(client(), client(), 'bus-a', logger);
    const b = await ControlBus.start(client(), client(), 'bus-b', logger);
    b.serve(async (req) => ({ ok: req.sessionId === 'sess_known', message: `b saw ${req.reason}` }));
    assert.deepEqual(await a.ask('bus-b', { op: 'end_session', sessionId: 'sess_known', reason: 'test' }), { ok: true, message: 'b saw test' });
    assert.deepEqual(await a.ask('bus-b', { op: 'end_session', sessionId: 'sess_other', reason: 'test' }), { ok: false, message: 'b saw test' });
    await assert.rejects(a.ask('bus-gone', { op: 'end_session', sessionId: 'sess_x', reason: 'test' }), (err: unknown) => err instanceof ControlError && err.code === 'node_unreachable');
    // Garbage on a node's channel neither crashes it nor stops it answering.
    await client().publish('parley:control:bus-b', '{not json');
    await client().publish('parley:control:bus-b', JSON.stringify({ kind: 'request', id: 1 }));
    assert.equal((await a.ask('bus-b', { op: 'end_session', sessionId: 'sess_known', reason: 'after garbage' })).ok, true);
    // A node that hears but does not answer in time.
    b.serve(() => new Promise(() => undefined));
    await assert.rejects(a.ask('bus-b', { op: 'end_session', sessionId: 'sess_known', reason: 'slow' }, 300), (err: unknown) => err instanceof ControlError && err.code === 'node_timeout');
    await a.close();
    await b.close();
  });

  it('a request whose publish fails (Redis gone) rejects with that error and leaves no timer to fire later', async () => {
    const pub = client();
    const a = await ControlBus.start(pub, client(), 'bus-c', logger);
    pub.disconnect();
    const rejections: unknown[] = [];
    const onRejection = (err: unknown): void => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      await assert.rejects(a.ask('bus-b', { op: 'end_session', sessionId: 'sess_x', reason: 'test' }, 200), (err: unknown) => !(err instanceof ControlError) && /Connection is closed/.test((err as Error).message));
      await sleep(400); // past the request's own timeout
      assert.deepEqual(rejections, [], 'the timeout did not fire afterwards');
    } finally {
      process.off('unhandledRejection', onRejection);
      await a.close();
    }
  });
});
