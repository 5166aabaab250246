import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BusinessStore } from '../../store/types.js';
import { CustomerSchema, LimitSchema } from './schemas.js';

/** `GET /api/customers`: find customers by phone (digits compared) or name. */
export const customerRoutes = (business: BusinessStore): FastifyPluginAsyncZod =>
  async function customers(app) {
    app.get(
      '/api/customers',
      {
        schema: {
          summary: 'List or find customers',
          tags: ['customers'],
          querystring: z.object({ phone: z.string().optional(), name: z.string().optional(), limit: LimitSchema }),
          response: { 200: z.object({ customers: z.array(CustomerSchema) }) },
        },
      },
      async (req) => ({ customers: await business.customers({ phone: req.query.phone, name: req.query.name, limit: req.query.limit }) }),
    );
  };
