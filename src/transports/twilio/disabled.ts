import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from '../../server/access/refusal.js';

export const TWILIO_PATHS = ['/twilio/voice', '/twilio/status', '/twilio/stream-status', '/twilio/stream-ended'] as const;

/** Phone calls are off: whoever calls the endpoints learns why, instead of a bare 404. */
export function registerTwilioDisabled(app: FastifyInstance): void {
  const off = (_req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    refuse(reply, 503, 'twilio_not_configured', 'Phone calls are off on this server: set TWILIO_AUTH_TOKEN and PUBLIC_URL (agents must be on).');
  for (const path of TWILIO_PATHS) app.post(path, off);
  app.get('/twilio/media-stream', off);
  app.get('/twilio/media-stream/:sessionId', off);
}
