import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RawClient } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A seeded PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_FRAME = 64 * 1024;
const KNOWN = ['session.update', 'input_audio_buffer.append', 'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', 'conversation.item.retrieve', 'response.create', 'response.cancel'];
const JUNK: unknown[] = [null, 42, -1, 1e308, 'x', '', true, [], [1, 2], {}, { a: { b: [null] } }];

/** One message that is invalid by construction, so it must earn exactly one error event. */
function malformed(r: () => number, i: number): { data: string | Buffer; binary?: boolean } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const id = `fz_${i}`;
  switch (Math.floor(r() * 10)) {
    case 0: // random bytes as text
      return { data: Buffer.from(Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256))).toString('latin1') + '\u0000{' };
    case 1: // truncated JSON
      return { data: JSON.stringify({ type: 'session.update', event_id: id, session: { type: 'realtime' } }).slice(0, 1 + Math.floor(r() * 40)) };
    case 2: // JSON that is not an object
      return { data: JSON.stringify(pick([null, 1, 'str', [1, 2, 3], true])) };
    case 3: // unknown or missing type
      return { data: JSON.stringify({ event_id: id, type: pick([undefined, 7, 'response.explode', 'x'.repeat(5000), '']) }) };
    case 4: // known type, unknown top-level key
      return { data: JSON.stringify({ type: pick(KNOWN), event_id: id, ['k' + Math.floor(r() * 1e6)]: pick(JUNK) }) };
    case 5: // session.update with a wrong value
      return {
        data: JSON.stringify({
          type: 'session.update',
          event_id: id,
          session: pick([{ type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 2 + r() } } } }, { type: 'nope' }, { type: 'realtime', output_modalities: 'audio' }, { type: 'realtime', max_output_tokens: -5 }, null]),
        }),
      };
    case 6: // truncate with impossible numbers
      return { data: JSON.stringify({ type: 'conversation.item.truncate', event_id: id, item_id: 'item_x', content_index: pick([-1, 0.5, 'a']), audio_end_ms: pick([-10, 'x', null]) }) };
    case 7: // item with a bad shape
      return { data: JSON.stringify({ type: 'conversation.item.create', event_id: id, item: pick([{ type: 'message', role: 'robot', content: [] }, { type: 'message', role: 'user', content: [{ type: 'input_text' }] }, { type: 'function_call_output' }, 'item', { type: 'teleport' }]) }) };
    case 8: // oversized frame
      return { data: JSON.stringify({ type: 'input_audio_buffer.append', event_id: id, audio: 'A'.repeat(MAX_FRAME + Math.floor(r() * 1000)) }) };
    default: // binary frame
      return { data: Buffer.from([0, 1, 2, Math.floor(r() * 255)]), binary: true };
  }
}

describe('fuzz: malformed, random and oversized messages', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ limits: { maxFrameBytes: MAX_FRAME } });
  });
  after(() => srv.close());

  it('answers each with an error event, stays up, and keeps memory flat', async (t) => {
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    const r = rng(20261121);
    const ROUNDS = 5;
    const PER_ROUND = 800;
    const heap: number[] = [];
    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) {
        const m = malformed(r, sent++);
        ws.sendRaw(m.data, m.binary);
      }
      await ws.waitFor(() => ws.events.length - 1 >= sent, 30_000).catch(() => undefined);
      const errors = ws.events.filter((e) => e.type === 'error');
      assert.equal(errors.length, sent, `every malformed message gets one error (round ${round})`);
      assert.equal(ws.events.length, errors.length + 1, 'nothing but errors after session.created');
      for (const e of errors) {
        assert.equal(typeof e.error.code, 'string');
        assert.equal(typeof e.error.message, 'string');
        assert.ok('param' in e.error && 'event_id' in e.error);
      }
      ws.events.splice(1); // the client's own record must not count as server memory
      gc();
      heap.push(process.memoryUsage().heapUsed);
      sent = 0;
    }
    // The first round warms up caches and JIT; after it the heap must not grow.
    const baseline = heap[1] as number;
    const last = heap[heap.length - 1] as number;
    t.diagnostic(`heap after each round of ${PER_ROUND} (MiB): ${heap.map((h) => (h / 2 ** 20).toFixed(1)).join(', ')}`);
    assert.ok(last - baseline < 8 * 1024 * 1024, `heap grew from ${baseline} to ${last} bytes: ${heap.join(', ')}`);
    // Still serving: the same connection and a new one work.
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'still here?' }] } });
    await ws.next('conversation.item.done');
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    const fresh = await RawClient.connect(srv.wsUrl);
    await fresh.next('session.created');
    await fresh.close();
    await ws.close();
  });
});
