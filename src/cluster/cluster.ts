import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import { InProcessAdmission, type Admission } from '../server/limits/admission.js';
import type { SessionRegistry } from '../session/registry.js';
import { ControlBus, ControlError } from './control-bus.js';
import { RedisAdmission } from './redis-admission.js';
import { connectRedis, redactUrl, redisReady } from './redis-connection.js';
import { SessionDirectory } from './session-directory.js';

export type EndOutcome = { ended: true; node: string } | { ended: false; code: 'session_not_live' | 'node_unreachable' | 'node_timeout'; message: string };

/**
 * What the nodes of one deployment share: concurrent-session counts, session-creation rates,
 * which node holds which live session, and asking another node to act on one of its sessions.
 * One node runs it all in-process; with REDIS_URL, in Redis.
 */
export interface Cluster {
  /** This node's name (PARLEY_NODE_ID, else host and pid). */
  readonly nodeId: string;
  readonly admission: Admission;
  readonly rates: { perIp: RateLimiterAbstract; perKey: RateLimiterAbstract };
  /** Ends a live session on whichever node holds it; its records are flushed when this resolves. */
  endSession(id: string, reason: string): Promise<EndOutcome>;
  close(): Promise<void>;
}

const notLive = (id: string): EndOutcome => ({ ended: false, code: 'session_not_live', message: `Session ${id} is not live on any node (it ended, or never started).` });

/** How a session is ended on request (an operator, a resume elsewhere): at once, records flushed. */
async function endHere(sessions: SessionRegistry, id: string, reason: string): Promise<boolean> {
  const live = sessions.get(id);
  if (!live) return false;
  await live.end({ reason, code: 1000 });
  return true;
}

function memoryLimiters(config: Config): { perIp: RateLimiterMemory; perKey: RateLimiterMemory } {
  const { sessionsPerMinutePerIp, sessionsPerMinutePerKey } = config.limits;
  return {
    perIp: new RateLimiterMemory({ keyPrefix: 'sessions-ip', points: sessionsPerMinutePerIp, duration: 60 }),
    perKey: new RateLimiterMemory({ keyPrefix: 'sessions-key', points: sessionsPerMinutePerKey, duration: 60 }),
  };
}

function rateLimiters(config: Config, redis?: Redis): Cluster['rates'] {
  const local = memoryLimiters(config);
  if (!redis) return local;
  const { sessionsPerMinutePerIp, sessionsPerMinutePerKey } = config.limits;
  // While Redis is away each node counts on its own (the library's insurance limiter): callers are limited, not locked out.
  return {
    perIp: new RateLimiterRedis({ storeClient: redis, keyPrefix: 'parley:rate:sessions-ip', points: sessionsPerMinutePerIp, duration: 60, insuranceLimiter: local.perIp }),
    perKey: new RateLimiterRedis({ storeClient: redis, keyPrefix: 'parley:rate:sessions-key', points: sessionsPerMinutePerKey, duration: 60, insuranceLimiter: local.perKey }),
  };
}

/** A default node name: unique per process on a host (a pod's name in Kubernetes). */
export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

export async function createCluster(config: Config, deps: { sessions: SessionRegistry; logger: Logger }): Promise<Cluster> {
  const nodeId = config.cluster.nodeId ?? defaultNodeId();
  const { sessions } = deps;
  const url = config.cluster.redisUrl;
  if (!url) {
    return {
      nodeId,
      admission: new InProcessAdmission(),
      rates: rateLimiters(config),
      endSession: async (id, reason) => ((await endHere(sessions, id, reason)) ? { ended: true, node: nodeId } : notLive(id)),
      close: () => Promise.resolve(),
    };
  }

  const log = deps.logger.child({ node: nodeId });
  const redis = connectRedis(url, log, `parley:${nodeId}`);
  // Pub/sub needs a connection of its own: a subscribed connection takes no other commands.
  const sub = connectRedis(url, log, `parley:${nodeId}:control`);
  try {
    await Promise.all([redisReady(redis, url), redisReady(sub, url)]);
  } catch (err) {
    redis.disconnect();
    sub.disconnect();
    throw err;
  }
  const bus = await ControlBus.start(redis, sub, nodeId, log);
  const directory = new SessionDirectory(redis, nodeId, sessions, log);
  const admission = new RedisAdmission(redis, nodeId);
  bus.serve(async (req) => ((await endHere(sessions, req.sessionId, req.reason)) ? { ok: true } : { ok: false, message: `Session ${req.sessionId} is not live on node ${nodeId}.` }));
  log.info({ redis: redactUrl(url) }, 'sharing sessions, limits and control through Redis');

  return {
    nodeId,
    admission,
    rates: rateLimiters(config, redis),
    async endSession(id, reason) {
      if (await endHere(sessions, id, reason)) return { ended: true, node: nodeId };
      const node = await directory.holder(id);
      if (!node || node === nodeId) return notLive(id);
      try {
        const r = await bus.ask(node, { op: 'end_session', sessionId: id, reason });
        return r.ok ? { ended: true, node } : notLive(id);
      } catch (err) {
        if (!(err instanceof ControlError)) throw err;
        // Gone for good: its entry would only have outlived it by a lease.
        if (err.code === 'node_unreachable') await directory.forget(id, node);
        return { ended: false, code: err.code, message: `Session ${id} is held by node ${node}, which could not end it: ${err.message}` };
      }
    },
    async close() {
      admission.close();
      directory.close();
      await bus.close();
      await Promise.allSettled([redis.quit(), sub.quit()]);
    },
  };
}
