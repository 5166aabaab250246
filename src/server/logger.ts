import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

/**
 * Personal data (names, phone numbers, transcripts) is logged under these
 * keys only, so it can be redacted wherever logs leave the process.
 */
export const PERSONAL_DATA_PATHS = ['*.transcript', '*.phone', '*.caller', '*.name', 'transcript', 'phone', 'caller'];

export function createLogger(config: Config['log']): Logger {
  const transport = config.pretty ? { target: 'pino-pretty', options: { colorize: true } } : undefined;
  return pino({
    level: config.level,
    redact: { paths: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]', ...PERSONAL_DATA_PATHS], censor: '[redacted]' },
    ...(transport ? { transport } : {}),
  });
}
