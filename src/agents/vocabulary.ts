import { DEMO_VOCABULARY, type ReceptionistVocabulary } from '../engines/local/brain/nlu/vocabulary.js';
import type { Agent } from './schema.js';

/** What the embedded receptionist knows about the agent's business; fields the agent leaves out keep the demo clinic's. */
export function agentVocabulary(agent: Pick<Agent, 'business'>): ReceptionistVocabulary {
  const b = agent.business ?? {};
  return {
    business: b.name ?? DEMO_VOCABULARY.business,
    services: b.services ?? DEMO_VOCABULARY.services,
    staff: b.staff ?? DEMO_VOCABULARY.staff,
    hours: b.hours ?? DEMO_VOCABULARY.hours,
    appointmentHours: b.appointmentHours ?? DEMO_VOCABULARY.appointmentHours,
    timeZone: b.timeZone ?? DEMO_VOCABULARY.timeZone,
  };
}
