import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadAgents } from '../../src/agents/index.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { echoEngine } from '../../src/engines/echo/index.js';
import { EngineRegistry } from '../../src/engines/engine.js';
import { buildServer, type ParleyServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';
import { runParley, startParleyProcess, type CliRun, type ParleyProcess } from '../helpers/parley-process.js';

/*
 * `parley keys` and the first-start admin key, through the real CLI in child processes.
 *
 * The CLI runs as `node --import tsx src/cli/main.ts`, which is what `bin/parley.js` runs in a
 * source checkout — but that script prefers `dist/` whenever it exists, and a `dist/` left from
 * an earlier build would put old code under test (test/helpers/parley-process.ts does the same).
 * The embedded database (PGlite) is one process's at a time: the CLI, the store opened here and
 * the servers take turns on the data directory.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = /pk_[a-z2-9]{10}_[A-Za-z0-9_-]{43}/g;


/** `parley <args>` in `cwd` (a folder of its own: no developer .env or parley.config.json) on `dataDir`. */
const parley = (args: string[], opts: { cwd: string; dataDir: string }): Promise<CliRun> => runParley(args, { cwd: opts.cwd, env: { PARLEY_DATA_DIR: opts.dataDir, LOG_LEVEL: 'silent' } });

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Every file under `dir` that contains `needle` (bytes), relative to `dir`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(needle)) hits.push(p.slice(dir.length + 1));
    }
  };
  walk(dir);
  return hits;
}

interface Server {
  server: ParleyServer;
  url: string;
}

/** A Parley server in this process on the CLI's data directory (echo engine, the repository's agents). */
async function serveDataDir(dataDir: string): Promise<Server> {
  const config = ConfigSchema.parse({ engine: { default: 'echo' }, agents: { dir: join(ROOT, 'agents') }, store: { dataDir }, server: { host: '127.0.0.1', port: 0 } });
  const engines = new EngineRegistry().register(echoEngine);
  const agents = await loadAgents(config.agents.dir, { engines: engines.names() });
  const store = await openStore({ dataDir });
  const server = await buildServer(config, { engines, logger: pino({ level: 'silent' }), agents, store });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}` };
}

async function get(url: string, key?: string): Promise<{ status: number; text: string; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { error?: { code: string; message: string } } & Record<string, unknown> };
}

describe('parley keys (the CLI, as a child process)', () => {
  let tmp: string;
  let dataDir: string;
  let secret = '';
  let id = '';

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'parley-keys-'));
    dataDir = join(tmp, 'data');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('help prints the usage and exits 0; a bad scope exits non-zero naming it; neither opens the database', async () => {
    const [help, badScope, noScope] = await Promise.all([
      parley(['keys', 'help'], { cwd: tmp, dataDir }),
      parley(['keys', 'create', '--name', 'ci', '--scope', 'root'], { cwd: tmp, dataDir }),
      parley(['keys', 'create', '--name', 'ci'], { cwd: tmp, dataDir }),
    ]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: parley keys <create\|list\|revoke>/);
    assert.match(help.stdout, /parley keys create --name <name> --scope <scope>/);
    assert.match(help.stdout, /admin \| agents:\* \| agent:<agent name>/);
    assert.match(help.stdout, /parley keys revoke <key id>/);
    assert.equal(help.stderr, '');

    assert.equal(badScope.code, 1, badScope.stdout);
    assert.equal(badScope.stdout, '');
    assert.match(badScope.stderr, /^Invalid --scope "root": expected admin, agents:\* or agent:<agent name>\./);
    assert.match(badScope.stderr, /Usage: parley keys/);
    assert.doesNotMatch(badScope.stderr, /at .*\.ts:\d+/, 'a message, not a stack trace');

    assert.equal(noScope.code, 1);
    assert.match(noScope.stderr, /^Invalid --scope: give a key at least one scope\./);

    assert.equal(existsSync(dataDir), false, 'validated before the database was opened');
  });

  it('create prints the key once; list shows id, name, scopes and expiry, never the secret', async () => {
    const created = await parley(['keys', 'create', '--name', 'ops laptop', '--scope', 'admin', '--expires-in', '30'], { cwd: tmp, dataDir });
    assert.equal(created.code, 0, created.stderr);
    const keys = created.stdout.match(KEY) ?? [];
    assert.equal(keys.length, 1, `the key is printed once:\n${created.stdout}`);
    secret = keys[0]!;
    id = /^Created (key_[a-z2-9]{10}) \(ops laptop; admin; expires (\S+)\)\./.exec(created.stdout)?.[1] ?? '';
    assert.ok(id, created.stdout);
    assert.equal(secret.slice(0, 'pk_'.length + 10), `pk_${id.slice('key_'.length)}`, 'the key names its id');
    assert.doesNotMatch(created.stderr, KEY);

    const listed = await parley(['keys', 'list'], { cwd: tmp, dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.equal(rows.length, 1, listed.stdout);
    const [rowId, name, scopes, state] = rows[0]!;
    assert.deepEqual([rowId, name, scopes], [id, 'ops laptop', 'admin']);
    const expires = Date.parse(state!.replace(/^expires /, ''));
    assert.ok(Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 10 * 60_000, `expires in 30 days: ${state}`);
    for (const leak of [secret, secret.slice(-43), sha256(secret)]) assert.ok(!listed.stdout.includes(leak) && !listed.stderr.includes(leak), 'no secret (nor its hash) in the listing');
  });

  it('the database keeps only a SHA-256 of the key: not in the row, not in any file of the data directory', async () => {
    const store = await openStore({ dataDir, seed: false });
    try {
      const rows = (await store.db.query<Record<string, unknown>>('SELECT * FROM api_keys')).rows;
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.id, id);
      assert.equal(row.name, 'ops laptop');
      assert.equal(row.secret_hash, sha256(secret));
      assert.equal(row.revoked_at, null);
      const text = JSON.stringify(row);
      assert.ok(!text.includes(secret.slice(-43)), `the secret is not in the row: ${text}`);
    } finally {
      await store.close();
    }
    // The scan finds what is stored (the hash), so finding no secret means something.
    assert.notDeepEqual(filesContaining(dataDir, sha256(secret)), [], 'the hash is found on disk');
    assert.deepEqual(filesContaining(dataDir, secret.slice(-43)), [], 'the secret is in no file of the data directory');
  });

  it('a server on that data directory takes the key for the admin API, and refuses it after `parley keys revoke`', async () => {
    let srv = await serveDataDir(dataDir);
    try {
      const keys = await get(`${srv.url}/api/keys`, secret);
      assert.equal(keys.status, 200, keys.text);
      assert.deepEqual((keys.body.keys as { id: string; scopes: string[] }[]).map((k) => [k.id, k.scopes]), [[id, ['admin']]]);
      assert.ok(!keys.text.includes(secret.slice(-43)) && !keys.text.includes(sha256(secret)), 'the API lists no secret either');
      assert.equal((await get(`${srv.url}/api/sessions`, secret)).status, 200);
      assert.deepEqual((await get(`${srv.url}/api/sessions`)).body.error?.code, 'missing_credential');
    } finally {
      await srv.server.shutdown('test step done');
    }

    const revoked = await parley(['keys', 'revoke', id], { cwd: tmp, dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked ${id}.\n`);

    srv = await serveDataDir(dataDir);
    try {
      const refused = await get(`${srv.url}/api/sessions`, secret);
      assert.equal(refused.status, 401, refused.text);
      assert.equal(refused.body.error?.code, 'credential_revoked');
      assert.match(refused.body.error?.message ?? '', new RegExp(id));
      assert.ok(!refused.text.includes(secret.slice(-43)));
    } finally {
      await srv.server.shutdown('test finished');
    }
  });
});

describe('parley serve on a fresh data directory without PARLEY_API_KEY', () => {
  let tmp: string;
  let proc: ParleyProcess | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'parley-bootstrap-'));
  });
  after(async () => {
    await proc?.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes an admin key to <data dir>/admin-key (mode 0600) that opens the admin API, and never prints it', async () => {
    const dataDir = join(tmp, 'data');
    proc = await startParleyProcess({ cwd: tmp, env: { PARLEY_DATA_DIR: dataDir, PARLEY_AGENTS_DIR: join(ROOT, 'agents'), PARLEY_ENGINE: 'echo', LOG_LEVEL: 'trace' } });
    const file = join(dataDir, 'admin-key');
    assert.equal(statSync(file).mode & 0o777, 0o600, `mode ${(statSync(file).mode & 0o777).toString(8)}`);
    const content = readFileSync(file, 'utf8');
    assert.match(content, /^pk_[a-z2-9]{10}_[A-Za-z0-9_-]{43}\n$/);
    const key = content.trim();

    const sessions = await get(`${proc.url}/api/sessions`, key);
    assert.equal(sessions.status, 200, sessions.text);
    assert.ok(Array.isArray(sessions.body.sessions), sessions.text);
    assert.equal((await get(`${proc.url}/api/sessions`)).body.error?.code, 'missing_credential');

    // Where the key is, is said; the key is not.
    const made = await proc.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes(file), 'the admin-key line');
    assert.match(String(made.key_id), /^key_[a-z2-9]{10}$/);
    assert.equal(`pk_${String(made.key_id).slice('key_'.length)}`, key.slice(0, 13), 'the line names the key written');
    await proc.stop();
    // The output covers the requests that carried the key, and the shutdown.
    assert.ok(proc.logs.filter((l) => l.msg === 'incoming request').length >= 2, proc.output.join('\n'));
    for (const needle of [key, key.slice(-43)]) {
      const hit: string | undefined = proc.output.find((l) => l.includes(needle));
      assert.equal(hit, undefined, `the admin key is in the output: ${hit}`);
    }
  });
});
