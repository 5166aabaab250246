import { Counter, Gauge, type Registry } from 'prom-client';
import type { SessionRegistry } from '../session/registry.js';
import { endReason } from './end-reason.js';

/**
 * Sessions on this node, by transport and engine: live now, started, and ended by why. Fed by
 * the session registry, which every transport adds its sessions to.
 */
export class SessionMetrics {
  private readonly active: Gauge<'transport' | 'engine'>;
  private readonly started: Counter<'transport' | 'engine'>;
  private readonly ended: Counter<'transport' | 'engine' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.active = new Gauge({ name: 'parley_sessions_active', help: 'Sessions live on this node.', labelNames: ['transport', 'engine'], registers });
    this.started = new Counter({ name: 'parley_sessions_started_total', help: 'Sessions started on this node (a resumed session starts again).', labelNames: ['transport', 'engine'], registers });
    this.ended = new Counter({ name: 'parley_sessions_ended_total', help: 'Sessions ended on this node, by why (a bounded category of the end reason).', labelNames: ['transport', 'engine', 'reason'], registers });
  }

  /** Counts every session the registry gets from now on, and its end. */
  watch(sessions: SessionRegistry): void {
    sessions.onAdd((session) => {
      const labels = { transport: session.transport, engine: session.engineName };
      this.active.inc(labels);
      this.started.inc(labels);
      session.onEnd((end) => {
        this.active.dec(labels);
        this.ended.inc({ ...labels, reason: endReason(end) });
      });
    });
  }
}
