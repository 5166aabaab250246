import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyStore } from '../../auth/api-keys.js';
import { ScopesSchema } from '../../auth/scopes.js';
import { ApiErrorSchema } from './schemas.js';

const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const wire = (k: { id: string; name: string; scopes: string[]; createdAt: string; expiresAt: string | null; revokedAt: string | null }) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  revoked_at: k.revokedAt,
});

/** `/api/keys`: the same key management as `parley keys`, while the server runs (the embedded database is one process's). */
export const keyRoutes = (keys: ApiKeyStore): FastifyPluginAsyncZod =>
  async function apiKeys(app) {
    app.get('/api/keys', { schema: { summary: 'List API keys (never their secrets)', tags: ['keys'], response: { 200: z.object({ keys: z.array(ApiKeySchema) }) } } }, async () => ({
      keys: (await keys.list()).map(wire),
    }));
    app.post(
      '/api/keys',
      {
        schema: {
          summary: 'Create an API key; its secret is in this response only',
          tags: ['keys'],
          body: z.strictObject({ name: z.string().min(1).max(100), scopes: ScopesSchema, expires_in_days: z.number().positive().max(3650).optional() }),
          response: { 201: z.object({ key: ApiKeySchema, secret: z.string() }) },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const created = await keys.create({ name: b.name, scopes: b.scopes, ...(b.expires_in_days ? { expiresAt: new Date(Date.now() + b.expires_in_days * 86_400_000) } : {}) });
        return reply.code(201).send({ key: wire(created.key), secret: created.secret });
      },
    );
    app.delete(
      '/api/keys/:id',
      { schema: { summary: 'Revoke an API key at once', tags: ['keys'], params: z.object({ id: z.string() }), response: { 200: z.object({ revoked: z.string() }), 404: ApiErrorSchema } } },
      async (req, reply) => {
        if (await keys.revoke(req.params.id)) return { revoked: req.params.id };
        return reply.code(404).send({ error: { code: 'key_not_found', message: `No active key ${req.params.id}.` } });
      },
    );
  };
