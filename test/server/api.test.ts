import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'test-admin-key-0123456789';

describe('REST API', () => {
  let srv: TestServer;
  const api = (path: string, init: RequestInit = {}, key: string | null = KEY): Promise<Response> =>
    fetch(`${srv.url}${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string> | undefined) } });
  before(async () => {
    srv = await startTestServer({ server: { apiKey: KEY } }, { agentsDir: 'agents' });
  });
  after(() => srv.close());

  it('needs the admin key when one is configured', async () => {
    assert.equal((await api('/api/sessions', {}, null)).status, 401);
    assert.equal((await api('/api/sessions', {}, 'wrong-key-wrong-key-1234')).status, 401);
    assert.equal((await api('/api/sessions')).status, 200);
  });

  it('books through the same rules as the tools: a second booking of the same doctor and slot is 409 with alternatives', async () => {
    const body = JSON.stringify({ service: 'vaccination', date: '2027-03-02', time: '09:00' });
    const first = await api('/api/appointments', { method: 'POST', body });
    assert.equal(first.status, 201);
    const appt = (await first.json()) as { id: string; staff: string };
    assert.equal(appt.staff, 'Nurse Garcia');
    const second = await api('/api/appointments', { method: 'POST', body });
    assert.equal(second.status, 409);
    const err = (await second.json()) as { error: { code: string; alternatives: string[] } };
    assert.equal(err.error.code, 'slot_taken');
    assert.ok(err.error.alternatives.length > 0);
    const moved = await api(`/api/appointments/${appt.id}`, { method: 'PATCH', body: JSON.stringify({ date: '2027-03-02', time: '11:00' }) });
    assert.equal(((await moved.json()) as { time: string }).time, '11:00');
    const cancelled = await api(`/api/appointments/${appt.id}`, { method: 'DELETE' });
    assert.equal(((await cancelled.json()) as { status: string }).status, 'cancelled');
  });

  it('an idempotency key makes a retried POST return the same appointment, not a second one', async () => {
    const init = { method: 'POST', body: JSON.stringify({ service: 'follow-up', date: '2027-03-03', time: '14:00' }), headers: { 'idempotency-key': 'retry-1' } };
    const a = (await (await api('/api/appointments', init)).json()) as { id: string };
    const b = (await (await api('/api/appointments', init)).json()) as { id: string };
    assert.equal(a.id, b.id);
    const list = (await (await api('/api/appointments?date=2027-03-03')).json()) as { appointments: unknown[] };
    assert.equal(list.appointments.length, 1);
  });

  it('bad input is a 400 naming the fields; unknown ids are 404', async () => {
    const r = await api('/api/appointments', { method: 'POST', body: JSON.stringify({ service: 'x', date: 'soon' }) });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /date.*time|time.*date/s);
    assert.equal((await api('/api/sessions/sess_nope')).status, 404);
    assert.equal((await api('/api/appointments/apt_nope')).status, 404);
  });

  it('finds customers by phone whatever the formatting, and documents itself at /openapi.json', async () => {
    const found = (await (await api('/api/customers?phone=(617)%20555-0199')).json()) as { customers: { name: string }[] };
    assert.deepEqual(found.customers.map((c) => c.name), ['Maria Lopez']);
    const doc = (await (await fetch(`${srv.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ['/api/sessions', '/api/sessions/{id}', '/api/appointments', '/api/appointments/{id}', '/api/customers']) assert.ok(p in doc.paths, `${p} documented`);
  });
});
