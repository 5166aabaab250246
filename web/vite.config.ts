import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Two pages: the caller's client at `/` and the admin view at `/admin`. Parley serves the build
// from dist/web; `vite` (npm run dev:web) proxies the API and the Realtime endpoint to a running Parley.
export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { client: here('index.html'), admin: here('admin.html') } },
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/v1': { target: 'http://localhost:3000', ws: true },
    },
  },
});
