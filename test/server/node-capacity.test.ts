import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { NodeCapacity } from '../../src/server/limits/node-capacity.js';
import { RawClient, refusedUpgrade } from '../helpers/realtime-client.js';
import { startTwilioServer, TWILIO_ACCOUNT_SID, type TwilioTestServer } from '../helpers/twilio.js';

const ADMIN = 'node-capacity-admin-key-0123456789';

describe('NodeCapacity', () => {
  it('takes places up to its maximum, gives each back once, and refuses everything while draining', () => {
    const node = new NodeCapacity(2);
    const a = node.take();
    const b = node.take();
    assert.ok(a.ok && b.ok);
    assert.equal(node.state, 'full');
    const c = node.take();
    assert.ok(!c.ok);
    assert.equal(c.refusal.code, 'server_full');
    assert.equal(c.refusal.status, 503);
    a.value.release();
    a.value.release();
    assert.equal(node.size, 1, 'a double release gives back one place');
    assert.equal(node.state, 'ready');
    node.drain();
    const d = node.take();
    assert.ok(!d.ok);
    assert.equal(d.refusal.code, 'server_draining');
    assert.equal(node.state, 'draining');
  });
});

describe('a full node', () => {
  let srv: TwilioTestServer;
  before(async () => {
    srv = await startTwilioServer({ limits: { maxSessions: 2 }, server: { apiKey: ADMIN } });
  });
  after(() => srv.close());

  it('refuses new sessions at once with the reason — admins too — and /readyz says full until a place frees', async () => {
    assert.equal((await fetch(`${srv.url}/readyz`)).status, 200);
    const one = await RawClient.connect(srv.wsUrl);
    await one.next('session.created', undefined, 10_000);
    const two = await RawClient.connect(srv.wsUrl, { headers: { authorization: `Bearer ${ADMIN}` } });
    await two.next('session.created', undefined, 10_000);

    const ready = await fetch(`${srv.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'full' });
    const started = Date.now();
    assert.deepEqual(await refusedUpgrade(srv.wsUrl), { status: 503, code: 'server_full' });
    assert.deepEqual(await refusedUpgrade(srv.wsUrl, { headers: { authorization: `Bearer ${ADMIN}` } }), { status: 503, code: 'server_full' }, 'the limit protects the node: admins count too');
    assert.ok(Date.now() - started < 2000, 'refused at once, not queued');

    // A phone call to a full node hears an apology instead of ringing out.
    const params = { CallSid: `CA${'c'.repeat(32)}`, AccountSid: TWILIO_ACCOUNT_SID, From: '+15550100001', To: '+15550100000', CallStatus: 'ringing' };
    const url = `${srv.publicUrl}/twilio/voice`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(srv.authToken, url, params) }, body: new URLSearchParams(params) });
    const twiml = await res.text();
    assert.match(twiml, /<Say[^>]*>I'm sorry, we can't take your call right now/);
    assert.match(twiml, /<Hangup\/>/);
    assert.doesNotMatch(twiml, /<Stream/);

    await one.close();
    await waitUntil(async () => (await fetch(`${srv.url}/readyz`)).status === 200, 5000, 'the node to be ready again');
    const three = await RawClient.connect(srv.wsUrl);
    await three.next('session.created', undefined, 10_000);
    await Promise.all([two.close(), three.close()]);
  });
});

async function waitUntil(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
