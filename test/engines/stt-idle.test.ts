import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PocketsphinxRecognizer } from '../../src/engines/local/stt/index.js';

/** Resources keeping the event loop alive, by type. */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('PocketsphinxRecognizer when idle', () => {
  test('ready_worker_holds_no_handle: once its workers are ready and nothing is being recognized, the recognizer keeps no handle alive', async () => {
    const before = resources();
    const recognizer = await PocketsphinxRecognizer.create({ workers: 2 });
    try {
      // Never used: as idle as after its last utterance, so it must not hold the process open
      // (before the fix, each worker's process and pipes stayed ref'd until its first utterance).
      const held = resources();
      assert.equal(held.ProcessWrap ?? 0, before.ProcessWrap ?? 0, `child processes held: ${JSON.stringify(held)}`);
      assert.equal(held.PipeWrap ?? 0, before.PipeWrap ?? 0, `pipes held: ${JSON.stringify(held)}`);
    } finally {
      await recognizer.close();
    }
  });
});
