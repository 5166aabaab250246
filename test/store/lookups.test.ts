import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { phoneDigits, samePhone } from '../../src/store/phone.js';
import type { Store } from '../../src/store/types.js';
import { forEachBackend } from './backends.js';

forEachBackend('customer and order lookups', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.open();
  });

  test('a phone number matches however it is written', async () => {
    for (const phone of ['617-555-0199', '+1 617 555 0199', '6175550199', '(617) 555-0199', '+16175550199']) {
      assert.equal((await store.business.customer({ phone }))?.name, 'Maria Lopez', phone);
    }
    assert.equal((await store.business.customer({ phone: '555-1234' }))?.name, 'James Chen');
    for (const phone of ['+44 20 7946 0958', '020 7946 0958']) assert.equal((await store.business.customer({ phone }))?.name, 'Tom Becker', phone);
  });

  test('near misses do not match', async () => {
    for (const phone of ['617-555-0198', '0199', '1-2-617-555-0199-9', '', 'no digits']) assert.equal(await store.business.customer({ phone }), null, phone);
    // Same last 7 digits, different area code.
    assert.equal(await store.business.customer({ phone: '212-555-0199' }), null);
  });

  test('by id or account id (any case); customers() by phone or name', async () => {
    const maria = await store.business.customer({ accountId: 'acc1001' });
    assert.deepEqual(maria, { id: 'cus_maria_lopez', name: 'Maria Lopez', phone: '+16175550199', accountId: 'ACC1001', email: 'maria.lopez@example.com' });
    assert.deepEqual(await store.business.customer({ id: 'cus_maria_lopez' }), maria);
    assert.equal(await store.business.customer({ accountId: 'ACC9999' }), null);
    assert.equal(await store.business.customer({}), null);
    assert.deepEqual((await store.business.customers({ phone: '617 555 0199' })).map((c) => c.id), ['cus_maria_lopez']);
    assert.deepEqual((await store.business.customers({ name: 'chen' })).map((c) => c.name), ['James Chen']);
    assert.equal((await store.business.customers({ limit: 2 })).length, 2);
    assert.ok((await store.business.customers()).length >= 5);
  });

  test('orders with their items, status and arrival date', async () => {
    assert.deepEqual(await store.business.order('1234'), {
      id: '1234',
      customerId: 'cus_maria_lopez',
      status: 'shipped',
      eta: '2026-11-25',
      items: [
        { name: 'blood pressure monitor', quantity: 1 },
        { name: 'test strips', quantity: 2 },
      ],
    });
    assert.equal((await store.business.order(' #4072 '))?.status, 'processing');
    assert.equal((await store.business.order('8165'))?.eta, null);
    assert.equal((await store.business.order('337'))?.customerId, null);
    assert.equal(await store.business.order('999999'), null);
  });
});

test('phone digits: punctuation, country code and trunk zero', () => {
  assert.equal(phoneDigits('+1 (617) 555-0199'), '16175550199');
  assert.equal(phoneDigits('020 7946 0958'), '2079460958');
  assert.ok(samePhone('617-555-0199', '+16175550199'));
  assert.ok(samePhone('+44 20 7946 0958', '020 7946 0958'));
  assert.ok(!samePhone('617-555-0199', '212-555-0199'));
  assert.ok(!samePhone('0199', '+16175550199'));
  assert.ok(!samePhone('', ''));
  assert.ok(!samePhone('99996175550199', '6175550199'), 'more than a country code in front');
});
