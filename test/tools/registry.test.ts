import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinToolDefinition } from '../../src/tools/builtin/schemas.js';
import { ToolConfigError, ToolRegistry } from '../../src/tools/registry.js';
import { ToolSpecSchema, type ToolSpec } from '../../src/tools/spec.js';
import { FakeBusinessStore } from './fake-store.js';

const specs = (raw: unknown[]): ToolSpec[] => raw.map((s) => ToolSpecSchema.parse(s));
const WEBHOOK = {
  type: 'webhook',
  name: 'order_status',
  description: 'Order status from the shop',
  url: 'https://shop.example.com/orders',
  parameters: { type: 'object', properties: { order_id: { type: 'string', pattern: '^[0-9]+$' } }, required: ['order_id'] },
};

describe('ToolRegistry', () => {
  it('knows each tool’s kind and its session.tools definition', () => {
    const reg = ToolRegistry.fromSpecs(specs(['lookup_order', { type: 'builtin', name: 'end_call', description: 'Hang up politely.' }, WEBHOOK]), { business: new FakeBusinessStore() });
    assert.deepEqual(reg.names(), ['lookup_order', 'end_call', 'order_status']);
    assert.deepEqual(
      reg.names().map((n) => reg.get(n)?.kind),
      ['builtin', 'builtin', 'webhook'],
    );
    const [order, end, hook] = reg.definitions();
    assert.deepEqual(order, builtinToolDefinition('lookup_order'));
    assert.equal(end?.description, 'Hang up politely.');
    assert.deepEqual(end?.parameters, builtinToolDefinition('end_call').parameters);
    assert.deepEqual(hook, { type: 'function', name: 'order_status', description: 'Order status from the shop', parameters: WEBHOOK.parameters });
    assert.equal(reg.get('lookup_order')?.sideEffects, false);
    assert.equal(reg.get('end_call')?.sideEffects, true);
    assert.equal(reg.get('order_status')?.sideEffects, true);
  });

  it('validates webhook arguments against their JSON Schema', () => {
    const reg = ToolRegistry.fromSpecs(specs([WEBHOOK]));
    const tool = reg.get('order_status');
    assert.ok(tool);
    assert.deepEqual(tool.validate({ order_id: '42' }), { ok: true, value: { order_id: '42' } });
    const bad = tool.validate({ order_id: 'abc' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.issues[0]?.path, 'order_id');
    assert.match(!bad.ok ? (bad.issues[0]?.message ?? '') : '', /pattern/);
  });

  it('refuses duplicate names, invalid schemas and business tools without a store', () => {
    assert.throws(
      () => ToolRegistry.fromSpecs(specs(['end_call', 'end_call'])),
      (e: unknown) => e instanceof ToolConfigError && e.code === 'duplicate_tool' && /"end_call" is declared twice/.test(e.message),
    );
    assert.throws(
      () => ToolRegistry.fromSpecs(specs([{ ...WEBHOOK, parameters: { type: 'object', properties: { n: { type: 'number', minimum: 'one' } } } }])),
      (e: unknown) => e instanceof ToolConfigError && e.code === 'invalid_schema' && /order_status/.test(e.message),
    );
    assert.throws(
      () => ToolRegistry.fromSpecs(specs(['book_appointment'])),
      (e: unknown) => e instanceof ToolConfigError && e.code === 'store_required',
    );
    // Session tools need no store.
    assert.deepEqual(ToolRegistry.fromSpecs(specs(['end_call', 'transfer_to_human'])).names(), ['end_call', 'transfer_to_human']);
  });
});
