import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient, spokenText } from '../helpers/realtime-client.js';
import { missingTools } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const GREETING = "Good morning, you've reached Harbor Dental. What can I do for you?";


describe("an agent's greeting is said as written", { skip: missingTools() ?? false }, () => {
  let srv: TestServer;
  let store: Store;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-greeting-'));
    writeFileSync(join(dir, 'harbor.yaml'), `name: harbor\ndescription: Greeting test.\ninstructions: Test.\nengine: local\naccess: public\ngreeting: "${GREETING}"\n`);
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' }, agents: { default: 'harbor' } }, { agentsDir: dir, store });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new caller hears the greeting word for word, in the conversation and its record', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    const id = (await ws.next('session.created')).session.id as string;
    const done = await ws.next('response.done', undefined, 15_000);
    assert.equal(spokenText(done.response), GREETING);
    assert.match(String(done.response.conversation_id), /^conv_/, 'in the conversation, not out of band');
    await ws.close();
    for (let i = 0; i < 50 && !(await store.records.session(id))?.endedAt; i++) await new Promise((r) => setTimeout(r, 100));
    const record = await store.records.session(id);
    assert.deepEqual(record?.transcript.map((t) => [t.role, t.text]), [['assistant', GREETING]]);
  });
});
