import type { FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../auth/api-keys.js';
import type { Agent } from '../../agents/index.js';
import { presentedCredential } from '../../auth/credential.js';
import { requireAdmin, requireAgent, type Authenticator, type Principal } from '../../auth/principal.js';
import type { Config } from '../../config/schema.js';
import type { Admission, Reservation } from '../limits/admission.js';
import type { NodeCapacity } from '../limits/node-capacity.js';
import type { SessionRateLimits } from '../limits/session-rate.js';
import { refusalOf, type Refusal } from './refusal.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const principals = new WeakMap<FastifyRequest, Promise<Principal>>();

/**
 * Who may do what, and how much: credentials → principal, the admin and agent checks, session
 * creation rates and concurrent-session quotas. One instance per server; routes ask it.
 */
export class Access {
  constructor(
    readonly auth: Authenticator,
    /** The stored API keys; absent without a store. */
    readonly keys: ApiKeyStore | undefined,
    private readonly rates: SessionRateLimits,
    readonly admission: Admission,
    private readonly limits: Config['limits'],
    /** This node's own room for sessions. */
    readonly node: NodeCapacity,
  ) {}

  /** The request's principal, resolved once per request. */
  principal(req: FastifyRequest): Promise<Principal> {
    let p = principals.get(req);
    if (!p) principals.set(req, (p = this.auth.authenticate(presentedCredential(req.headers))));
    return p;
  }

  admin(req: FastifyRequest, what: string): Promise<Checked<Principal>> {
    return refusalOf(async () => {
      const p = await this.principal(req);
      requireAdmin(p, what);
      return p;
    });
  }

  agent(req: FastifyRequest, agent: Pick<Agent, 'name' | 'access'>): Promise<Checked<Principal>> {
    return refusalOf(async () => {
      const p = await this.principal(req);
      requireAgent(p, agent);
      return p;
    });
  }

  /** Counts a new session (or a token that will open one) against its creator's rate. */
  async createSession(p: Principal, ip: string): Promise<Refusal | null> {
    const refused = await this.rates.take(p, ip);
    return refused ? { status: 429, ...refused } : null;
  }

  /** The concurrency quota a principal's sessions count against; null = not limited (admins). */
  quota(p: Principal, ip: string): string | null {
    if (p.kind === 'admin') return null;
    if (p.kind === 'token') return p.claims.quota;
    return p.kind === 'key' ? `key:${p.id}` : `ip:${ip}`;
  }

  /**
   * One more session for `p`: a place on this node (refused at once when it is full or
   * draining, before anything is counted), its creation rate when it is a new one (a token was
   * counted when minted, a resume when first opened), then — last, so nothing can fail after
   * it — a place among its quota's concurrent sessions. The reservation holds both places.
   */
  async admit(p: Principal, ip: string, opts: { isNew: boolean }): Promise<Checked<Reservation>> {
    const here = this.node.take();
    if (!here.ok) return here;
    let counted: Checked<Reservation | null>;
    try {
      const limited = opts.isNew ? await this.createSession(p, ip) : null;
      counted = limited ? { ok: false, refusal: limited } : await this.reserve(this.quota(p, ip));
    } catch (err) {
      here.value.release();
      // The shared counts (Redis) could not be reached: a refusal the caller can retry, not a 500.
      return { ok: false, refusal: { status: 503, code: 'limits_unavailable', message: `Parley could not check this session against its limits (${(err as Error).message}); try again shortly.`, retryAfterS: 1 } };
    }
    if (!counted.ok) {
      here.value.release();
      return counted;
    }
    const places = [here.value, counted.value];
    return { ok: true, value: { release: () => places.forEach((r) => r?.release()) } };
  }

  /** Holds a place for one more concurrent session in `quota`, or says why not. */
  private async reserve(quota: string | null): Promise<Checked<Reservation | null>> {
    if (quota === null) return { ok: true, value: null };
    const max = quota.startsWith('key:') ? this.limits.concurrentSessionsPerKey : this.limits.concurrentSessionsPerIp;
    const held = await this.admission.reserve(quota, max);
    if (held) return { ok: true, value: held };
    const who = quota.startsWith('key:') ? `API key ${quota.slice(4)}` : `address ${quota.slice(3)}`;
    return { ok: false, refusal: { status: 429, code: 'too_many_sessions', message: `${who} already has ${max} sessions open, the most allowed at once; end one first.`, retryAfterS: 1 } };
  }
}
