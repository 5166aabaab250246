import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { BusinessError, type BusinessStore } from '../../store/types.js';
import { ApiErrorSchema, AppointmentSchema, DateSchema, LimitSchema, TimeSchema } from './schemas.js';

const STATUS: Record<BusinessError['code'], 404 | 409 | 422> = {
  slot_taken: 409,
  closed: 422,
  in_the_past: 422,
  unknown_service: 422,
  unknown_staff: 422,
  invalid_request: 422,
  not_found: 404,
};

/** A business rule's refusal as an HTTP answer; anything else is a server error (rethrown). */
function refusal(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof BusinessError)) throw err;
  return reply.code(STATUS[err.code]).send({ error: { code: err.code, message: err.message, ...(err.alternatives.length ? { alternatives: err.alternatives } : {}) } });
}

const errors = { 404: ApiErrorSchema, 409: ApiErrorSchema, 422: ApiErrorSchema };
const Id = z.object({ id: z.string() });

/** `GET/POST/PATCH/DELETE /api/appointments`: the same rules as the agent's tools (no double booking, opening hours). */
export const appointmentRoutes = (business: BusinessStore): FastifyPluginAsyncZod =>
  async function appointments(app) {
    app.get(
      '/api/appointments',
      {
        schema: {
          summary: 'List appointments',
          tags: ['appointments'],
          querystring: z.object({ date: DateSchema.optional(), customer_id: z.string().optional(), status: z.enum(['booked', 'cancelled']).optional(), limit: LimitSchema }),
          response: { 200: z.object({ appointments: z.array(AppointmentSchema) }) },
        },
      },
      async (req) => ({ appointments: await business.appointments({ date: req.query.date, customerId: req.query.customer_id, status: req.query.status, limit: req.query.limit }) }),
    );
    app.get('/api/appointments/:id', { schema: { summary: 'One appointment', tags: ['appointments'], params: Id, response: { 200: AppointmentSchema, ...errors } } }, async (req, reply) => {
      const a = await business.appointment(req.params.id);
      return a ?? reply.code(404).send({ error: { code: 'not_found', message: `No appointment ${req.params.id}.` } });
    });
    app.post(
      '/api/appointments',
      {
        schema: {
          summary: 'Book an appointment',
          tags: ['appointments'],
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
          body: z.strictObject({ service: z.string().min(1), date: DateSchema, time: TimeSchema, staff: z.string().min(1).optional(), customer_id: z.string().min(1).optional() }),
          response: { 201: AppointmentSchema, ...errors },
        },
      },
      async (req, reply) => {
        const b = req.body;
        try {
          const a = await business.book({ service: b.service, date: b.date, time: b.time, staff: b.staff, customerId: b.customer_id }, req.headers['idempotency-key']);
          return reply.code(201).send(a);
        } catch (err) {
          return refusal(reply, err);
        }
      },
    );
    app.patch(
      '/api/appointments/:id',
      {
        schema: {
          summary: 'Reschedule (date and time) or cancel (status: cancelled) an appointment',
          tags: ['appointments'],
          params: Id,
          body: z.union([z.strictObject({ date: DateSchema, time: TimeSchema }), z.strictObject({ status: z.literal('cancelled') })]),
          response: { 200: AppointmentSchema, ...errors },
        },
      },
      async (req, reply) => {
        try {
          const b = req.body;
          return 'status' in b ? await business.cancel({ appointmentId: req.params.id }) : await business.reschedule({ appointmentId: req.params.id }, { date: b.date, time: b.time });
        } catch (err) {
          return refusal(reply, err);
        }
      },
    );
    app.delete('/api/appointments/:id', { schema: { summary: 'Cancel an appointment', tags: ['appointments'], params: Id, response: { 200: AppointmentSchema, ...errors } } }, async (req, reply) => {
      try {
        return await business.cancel({ appointmentId: req.params.id });
      } catch (err) {
        return refusal(reply, err);
      }
    });
  };
