import { Registry } from 'prom-client';
import { AudioMetrics } from './audio-metrics.js';
import { processMetrics, registerNodeMetrics, type NodeStatus } from './node-metrics.js';
import { SessionMetrics } from './session-metrics.js';
import { TurnMetrics } from './turn-metrics.js';
import { UsageMetrics } from './usage-metrics.js';

/**
 * This server's Prometheus metrics, in a registry of its own (not prom-client's global one: a
 * process may build several servers, and each counts only its own sessions), exposed together
 * with the process metrics.
 */
export class ParleyMetrics {
  readonly sessions: SessionMetrics;
  readonly turns: TurnMetrics;
  readonly usage: UsageMetrics;
  readonly audio: AudioMetrics;
  private readonly exposed: Registry;

  constructor(node: NodeStatus) {
    const registry = new Registry();
    this.sessions = new SessionMetrics(registry);
    this.turns = new TurnMetrics(registry);
    this.usage = new UsageMetrics(registry);
    this.audio = new AudioMetrics(registry);
    registerNodeMetrics(registry, node);
    this.exposed = Registry.merge([registry, processMetrics()]);
  }

  /** The Prometheus text exposition format's content type. */
  get contentType(): string {
    return this.exposed.contentType;
  }

  /** Every metric, in the Prometheus text format. */
  text(): Promise<string> {
    return this.exposed.metrics();
  }
}
