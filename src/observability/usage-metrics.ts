import { Counter, Histogram, type Registry } from 'prom-client';
import type { Usage } from '../protocol/schemas/index.js';
import { tokenCounts } from '../session/cost.js';

const RATE_BUCKETS = [1, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

/** Labels usage is counted under. `model` must be bounded (see `modelLabel`). */
export interface UsageLabels {
  engine: string;
  model: string;
}

/** Tokens, generation speed and estimated cost, per response. */
export class UsageMetrics {
  private readonly tokens: Counter<'engine' | 'model' | 'kind' | 'modality'>;
  private readonly rate: Histogram<'engine' | 'model'>;
  private readonly cost: Counter<'model'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.tokens = new Counter({ name: 'parley_tokens_total', help: 'Tokens used by responses, by kind (input, output) and modality (text, audio).', labelNames: ['engine', 'model', 'kind', 'modality'], registers });
    this.rate = new Histogram({
      name: 'parley_output_tokens_per_second',
      help: 'Output tokens of a response divided by its duration (response.created to response.done).',
      labelNames: ['engine', 'model'],
      buckets: RATE_BUCKETS,
      registers,
    });
    this.cost = new Counter({ name: 'parley_cost_usd_total', help: 'Estimated cost of responses in USD, from the configured price table.', labelNames: ['model'], registers });
  }

  response(labels: UsageLabels, usage: Usage, costUsd: number, durationMs: number): void {
    const { engine, model } = labels;
    const n = tokenCounts(usage);
    this.tokens.inc({ engine, model, kind: 'input', modality: 'text' }, n.input.text);
    this.tokens.inc({ engine, model, kind: 'input', modality: 'audio' }, n.input.audio);
    this.tokens.inc({ engine, model, kind: 'output', modality: 'text' }, n.output.text);
    this.tokens.inc({ engine, model, kind: 'output', modality: 'audio' }, n.output.audio);
    if (usage.output_tokens > 0 && durationMs > 0) this.rate.observe({ engine, model }, usage.output_tokens / (durationMs / 1000));
    this.cost.inc({ model }, costUsd);
  }
}

/**
 * The model as a label: the name, when the server chose it (the agent, the config, the engine's
 * default) or it is in the price table; `other` for any other name a client asked for with
 * `?model=`, which would otherwise make a new series per made-up name.
 */
export function modelLabel(model: string, askedByClient: boolean, priced: Readonly<Record<string, unknown>>): string {
  return !askedByClient || Object.hasOwn(priced, model) ? model : 'other';
}
