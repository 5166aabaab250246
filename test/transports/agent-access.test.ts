import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RawClient, refusedUpgrade } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'test-admin-key-0123456789';

const agent = (name: string, access: 'public' | 'key'): string => `name: ${name}
description: Access test agent.
instructions: Test.
engine: echo
access: ${access}
`;


describe('agent access on /v1/realtime', () => {
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-access-'));
    writeFileSync(join(dir, 'widget.yaml'), agent('widget', 'public'));
    writeFileSync(join(dir, 'backoffice.yaml'), agent('backoffice', 'key'));
    srv = await startTestServer({ server: { apiKey: KEY }, agents: { default: 'widget' } }, { agentsDir: dir });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a public agent needs no key', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?agent=widget`);
    await ws.next('session.created');
    await ws.close();
  });

  it('an access: key agent refuses a missing or wrong key before the upgrade', async () => {
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=backoffice`), { status: 401, code: 'missing_credential' });
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=backoffice`, { headers: { authorization: 'Bearer wrong-key-0123456789' } }), { status: 401, code: 'invalid_credential' });
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?agent=backoffice`, { protocols: ['realtime', 'openai-insecure-api-key.wrong'] }), { status: 401, code: 'invalid_credential' });
  });

  it('an access: key agent accepts the key as a Bearer header or as the browser subprotocol', async () => {
    const viaHeader = await RawClient.connect(`${srv.wsUrl}?agent=backoffice`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal((await viaHeader.next('session.created')).type, 'session.created');
    await viaHeader.close();
    const viaProtocol = await RawClient.connect(`${srv.wsUrl}?agent=backoffice`, { protocols: ['realtime', `openai-insecure-api-key.${KEY}`] });
    assert.equal((await viaProtocol.next('session.created')).type, 'session.created');
    await viaProtocol.close();
  });
});
