import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/store/migrate.js';
import { seedDemoData } from '../../src/store/seed.js';
import { forEachBackend } from './backends.js';

forEachBackend('demo data', (backend) => {
  test('the clinic: services, who does what, hours, holidays, customers, orders', async () => {
    const store = await backend.open();
    const services = await store.business.services();
    assert.deepEqual(
      services.map((s) => [s.name, s.durationMin]),
      [['check-up', 30], ['cleaning', 45], ['consultation', 30], ['follow-up', 15], ['vaccination', 15]],
    );
    assert.ok(services.every((s) => s.priceCents > 0));
    const staff = Object.fromEntries((await store.business.staff()).map((s) => [s.name, s.services]));
    assert.deepEqual(staff, {
      'Doctor Patel': ['check-up', 'consultation', 'follow-up'],
      'Doctor Smith': ['check-up', 'consultation', 'follow-up'],
      'Nurse Garcia': ['check-up', 'cleaning', 'vaccination'],
    });
    const hours = (await store.db.query<{ weekday: number; o: string; c: string }>(`SELECT weekday, to_char(opens_at, 'HH24:MI') AS o, to_char(closes_at, 'HH24:MI') AS c FROM business_hours ORDER BY weekday`)).rows;
    assert.deepEqual(hours.map((h) => `${h.weekday} ${h.o}-${h.c}`), ['1 08:00-18:00', '2 08:00-18:00', '3 08:00-18:00', '4 08:00-18:00', '5 08:00-18:00', '6 09:00-13:00']);
    const holidays = (await store.db.query<{ date: string }>('SELECT date FROM holidays ORDER BY date')).rows.map((r) => r.date);
    assert.deepEqual(holidays, ['2026-12-25', '2027-01-01']);
    const maria = await store.business.customer({ accountId: 'ACC1001' });
    assert.equal(maria?.name, 'Maria Lopez');
    assert.equal(maria?.phone, '+16175550199');
    for (const id of ['1234', '4072', '902613', '55819', '8165', '4567', '337']) assert.ok(await store.business.order(id), `order ${id}`);
  });

  test('seeds once: a second run changes nothing, deleted demo rows stay deleted', async () => {
    const store = await backend.open();
    assert.equal(await seedDemoData(store.db), false);
    await store.db.query(`DELETE FROM staff_services WHERE service_id = 'svc_vaccination'`);
    await store.db.query(`DELETE FROM services WHERE id = 'svc_vaccination'`);
    assert.equal(await seedDemoData(store.db), false);
    assert.equal((await store.business.services()).length, 4);
  });

  test("never writes into a database that has its own services", async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    await migrate(db);
    await db.query(`INSERT INTO services (id, name, duration_min, price_cents) VALUES ('haircut', 'haircut', 30, 2500)`);
    assert.equal(await seedDemoData(db), false);
    assert.deepEqual((await db.query<{ id: string }>('SELECT id FROM services')).rows, [{ id: 'haircut' }]);
    assert.equal((await db.query('SELECT 1 FROM customers')).rows.length, 0);
  });

  test('seed: false leaves the database empty', async () => {
    const store = await backend.open({ seed: false });
    assert.deepEqual(await store.business.services(), []);
  });
});
