import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { NodeCapacity } from '../server/limits/node-capacity.js';

/** What the node metrics read at each scrape: the node's capacity itself. */
export type NodeStatus = Pick<NodeCapacity, 'max' | 'size' | 'state'>;

/**
 * The process's own metrics (event-loop lag, RSS, handles, GC, CPU): one set per process, as
 * there is one event loop, however many servers a process builds (tests build dozens). Made
 * on first use and kept for the life of the process: prom-client offers no way to stop its
 * event-loop monitor or GC observer, and neither keeps the process alive.
 */
let shared: Registry | null = null;

export function processMetrics(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}

/** This node's capacity and state, read when scraped. */
export function registerNodeMetrics(registry: Registry, node: NodeStatus): void {
  const registers = [registry];
  new Gauge({ name: 'parley_node_max_sessions', help: 'Sessions this node holds at most (PARLEY_MAX_SESSIONS).', registers }).set(node.max);
  new Gauge({
    name: 'parley_node_draining',
    help: '1 while this node is draining (shutting down: no new sessions).',
    registers,
    collect() {
      this.set(node.state === 'draining' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'parley_node_full',
    help: '1 while this node holds its maximum of sessions and refuses new ones.',
    registers,
    collect() {
      this.set(node.size >= node.max ? 1 : 0);
    },
  });
}
