import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:web` puts the browser client: dist/web at the package root (src/server and dist/server alike are two levels below it). */
export const WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Parley</title>
<h1>Parley is running</h1><p>The browser client has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds everything) and reload.</p>`;

/**
 * The browser client at `/` and the admin view at `/admin`, from the Vite build. Hashed assets
 * are cached for good; the pages themselves are revalidated so a new build is picked up.
 */
export async function registerWebApp(app: FastifyInstance, dir = WEB_DIR): Promise<void> {
  if (!existsSync(`${dir}index.html`)) {
    app.get('/', { logLevel: 'warn' }, (_req, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: ['index.html'],
    logLevel: 'warn',
    setHeaders: (reply, path) => void reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  app.get('/admin', { logLevel: 'warn' }, (_req, reply) => reply.sendFile('admin.html'));
}
