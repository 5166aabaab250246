import type { Agent } from './schema.js';

/** The agents the server knows, by name. */
export interface AgentRegistry {
  get(name: string): Agent | undefined;
  /** Every agent, by name. */
  list(): Agent[];
  /** The agent a phone number (E.164) reaches (`phone.numbers`). */
  byNumber(number: string): Agent | undefined;
}

export function createAgentRegistry(agents: Iterable<Agent>): AgentRegistry {
  const byName = new Map([...agents].sort((a, b) => a.name.localeCompare(b.name)).map((a) => [a.name, a] as const));
  const byNumber = new Map([...byName.values()].flatMap((a) => (a.phone?.numbers ?? []).map((n) => [n, a] as const)));
  return {
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
    byNumber: (number) => byNumber.get(number),
  };
}
