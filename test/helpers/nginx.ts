import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './server.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/nginx/', import.meta.url));

export interface TestNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * nginx on loopback in front of Parley nodes, with the routing rules `deploy/` ships
 * (deploy/nginx/parley-routing.conf and parley-locations.conf): only the upstreams — where each
 * node listens — are the test's own, as they are each deployment's.
 */
export async function startNginx(nodes: Record<string, number>): Promise<TestNginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  // Workers may run as another user when we are root: they must reach the temp folders.
  chmodSync(dir, 0o777);
  const servers = Object.values(nodes).map((p) => `server 127.0.0.1:${p} max_fails=0;`).join(' ');
  const conf = `
daemon off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${DEPLOY}parley-routing.conf;
  # Random, not deploy's least_conn: sessions bound to a node are counted in that node's own upstream,
  # so least_conn would see 0 everywhere and follow the rotation, which callbacks shift in step with calls.
  upstream parley { random; ${servers} }
  ${Object.entries(nodes).map(([name, p]) => `upstream ${name} { server 127.0.0.1:${p}; }`).join('\n  ')}
  map $parley_node $parley_upstream {
    ${Object.keys(nodes).map((name) => `${name} ${name};`).join('\n    ')}
    default parley;
  }
  server {
    listen 127.0.0.1:${port};
    include ${DEPLOY}parley-locations.conf;
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const child = spawn('nginx', ['-c', file, '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  // Ready when it answers; an early exit is a config error, reported with nginx's words.
  const until = Date.now() + 10_000;
  for (;;) {
    const gone = await Promise.race([exited.then((c) => ({ c })), new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    if (gone) throw new Error(`nginx exited (${gone.c}): ${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status > 0, () => false);
    if (ok) break;
    if (Date.now() > until) throw new Error(`nginx did not answer within 10 s: ${output}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
