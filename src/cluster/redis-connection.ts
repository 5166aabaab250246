import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis connection for shared state. Commands fail fast while Redis is away (no unbounded
 * queue behind a dead server: a caller is refused with a reason instead of hanging), and the
 * connection keeps retrying in the background.
 */
export function connectRedis(url: string, logger: Logger, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // One line per distinct failure, not one per retry.
    if (err.message === lastError) return;
    lastError = err.message;
    logger.error({ err, redis: name }, 'Redis connection error');
  });
  redis.on('ready', () => {
    if (lastError) logger.info({ redis: name }, 'Redis connection restored');
    lastError = '';
  });
  return redis;
}

/** Waits until the connection is ready, or fails with a message naming the URL. */
export async function redisReady(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis at ${redactUrl(url)} did not answer within ${timeoutMs / 1000} s; check REDIS_URL and that Redis is running.`));
    }, timeoutMs);
    const ready = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', ready);
    };
    redis.on('ready', ready);
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}
