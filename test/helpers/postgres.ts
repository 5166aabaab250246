import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/*
 * A throwaway PostgreSQL server for tests: initdb into a temp folder (trust auth), listening on
 * 127.0.0.1 on a free port, removed by stop(). As root the server runs as the `postgres` user
 * (PostgreSQL refuses to run as root). Missing binaries are an error, never a skip: CI must
 * run the PostgreSQL half of the suite.
 */

const run = promisify(execFile);

export interface TestPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** A new empty database on this server; returns its URL. */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** Finds a PostgreSQL server binary on PATH or under /usr/lib/postgresql/<version>/bin (newest first). */
export function findPostgresBinary(name: 'initdb' | 'pg_ctl', where: { path?: string; root?: string } = {}): string {
  const dirs = (where.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const root = where.root ?? '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
    dirs.push(...versions.map((v) => join(root, v, 'bin')));
  }
  for (const dir of dirs) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(
    `PostgreSQL server binaries not found (${name} is neither on PATH nor under ${root}/*/bin). ` +
      'The store tests run against a real PostgreSQL: install it with `sudo apt-get install postgresql` (or `npm run setup`).',
  );
}

/** How to run a binary: directly, or as the postgres user when we are root. */
function runner(): { wrap: (cmd: string, args: string[]) => [string, string[]]; owner?: { uid: number; gid: number } } {
  if (process.getuid?.() !== 0) return { wrap: (cmd, args) => [cmd, args] };
  let uid: number, gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error('Running as root, but there is no `postgres` user to run the test server as (PostgreSQL refuses root). Install the postgresql package, which creates it.');
  }
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) return { wrap: (cmd, args) => ['runuser', ['-u', 'postgres', '--', cmd, ...args]], owner: { uid, gid } };
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return { wrap: (cmd, args) => ['su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map(quote).join(' ')]], owner: { uid, gid } };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const initdb = findPostgresBinary('initdb');
  const pgCtl = findPostgresBinary('pg_ctl');
  const { wrap, owner } = runner();
  const exec = (cmd: string, args: string[]) => {
    const [c, a] = wrap(cmd, args);
    return run(c, a, { encoding: 'utf8' });
  };

  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await exec(initdb, ['-D', data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-locale', '--no-sync']);
  } catch (err) {
    remove();
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
  }

  // The port may be taken between choosing and binding: try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // fsync off: a test server, not a durable one.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    try {
      await exec(pgCtl, ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start']);
      break;
    } catch (err) {
      if (attempt >= 3) {
        const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
        remove();
        throw new Error(`PostgreSQL did not start: ${(err as { stderr?: string }).stderr ?? String(err)}\n${serverLog}`, { cause: err });
      }
    }
  }

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      const [c, a] = wrap(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      execFileSync(c, a, { stdio: 'ignore' });
    } catch {
      // already gone
    }
    remove();
  };
  // A test run that ends without stop() must not leave a server behind.
  process.once('exit', stopSync);

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let counter = 0;
  return {
    url,
    async newDatabase() {
      const name = `parley_test_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      try {
        await exec(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        remove();
      }
    },
  };
}
