import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeIssues } from '../../src/agents/issues.js';
import { AgentSchema, type AgentInput } from '../../src/agents/schema.js';
import { resolveTurnDetection, TURN_DETECTION_PRESETS } from '../../src/agents/turn-detection.js';
import { agentVocabulary } from '../../src/agents/vocabulary.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';

const base: AgentInput = { name: 'test', description: 'A test agent.', instructions: 'Be brief.' };
/** The problems as the loader reports them, without the file name. */
const issues = (input: unknown) => {
  const r = AgentSchema.safeParse(input);
  return r.success ? [] : describeIssues(r.error.issues, AgentSchema, input).map((p) => `${p.path}: ${p.message}`);
};

describe('AgentSchema', () => {
  it('names are slugs', () => {
    for (const name of ['receptionist', 'front-desk', 'clinic_2']) assert.deepEqual(issues({ ...base, name }), []);
    for (const name of ['Receptionist', 'front desk', '-x', 'a--b', '']) assert.equal(issues({ ...base, name })[0]?.startsWith('name: '), true, name);
  });

  it('language is a BCP-47 tag', () => {
    for (const language of ['en', 'en-GB', 'pt-BR', 'zh-Hant-TW']) assert.deepEqual(issues({ ...base, language }), []);
    assert.deepEqual(issues({ ...base, language: 'english please' }), ['language: a BCP-47 language tag such as en or en-GB']);
  });

  it('turnDetection: presets, push_to_talk or explicit values; strict', () => {
    for (const turnDetection of ['quiet_office', 'noisy_call_center', 'phone_line', 'push_to_talk']) assert.deepEqual(issues({ ...base, turnDetection }), []);
    const explicit = AgentSchema.parse({ ...base, turnDetection: { threshold: 0.4, prefixPaddingMs: 200, silenceDurationMs: 600 } }).turnDetection;
    assert.deepEqual(explicit, { threshold: 0.4, prefixPaddingMs: 200, silenceDurationMs: 600, createResponse: true, interruptResponse: true });
    assert.ok(issues({ ...base, turnDetection: { threshold: 0.4, prefixPaddingMs: 200, silenceDurationMs: 0.6 } }).includes('turnDetection.silenceDurationMs: expected a whole number of milliseconds'));
    assert.deepEqual(issues({ ...base, turnDetection: { threshold: 0.4, prefixPaddingMs: 200 } }), ['turnDetection.silenceDurationMs: required field is missing (expected number)']);
    assert.deepEqual(issues({ ...base, turnDetection: 'noisy' }), ['turnDetection: Invalid option: expected one of "quiet_office"|"noisy_call_center"|"phone_line"|"push_to_talk"']);
  });

  it('resolveTurnDetection maps presets, push_to_talk and explicit values', () => {
    assert.equal(resolveTurnDetection('noisy_call_center'), TURN_DETECTION_PRESETS.noisy_call_center);
    assert.equal(resolveTurnDetection('push_to_talk'), null);
    const explicit = { threshold: 0.2, prefixPaddingMs: 100, silenceDurationMs: 300, createResponse: false, interruptResponse: true };
    assert.equal(resolveTurnDetection(explicit), explicit);
  });

  it('business: appointment hours in order, a real time zone, strict', () => {
    assert.deepEqual(issues({ ...base, business: { appointmentHours: { first: 9, last: 8 } } }), ['business.appointmentHours.last: must not be before first']);
    assert.deepEqual(issues({ ...base, business: { timeZone: 'Europe/Atlantis' } }), ['business.timeZone: an IANA time zone such as America/New_York']);
    assert.deepEqual(issues({ ...base, business: { phone: '555' } }), ['business.phone: unknown field; expected one of: name, services, staff, hours, appointmentHours, timeZone']);
  });

  it('tools: a string or an object without type is a built-in; other shapes get one precise error', () => {
    assert.deepEqual(AgentSchema.parse({ ...base, tools: ['end_call', { name: 'lookup_order' }] }).tools, [
      { type: 'builtin', name: 'end_call' },
      { type: 'builtin', name: 'lookup_order' },
    ]);
    assert.deepEqual(issues({ ...base, tools: [{ type: 'mcp', name: 'x' }, 42] }), ['tools.0.type: type must be "builtin", "webhook" or "client"', 'tools.1: expected a built-in tool name or a tool object']);
  });

  it('webhook URLs must be http(s)', () => {
    const tool = { type: 'webhook', name: 'w', description: 'd', url: 'ftp://x.example/', parameters: { type: 'object' } };
    assert.ok(issues({ ...base, tools: [tool] })[0]?.startsWith('tools.0.url: '));
  });
});

describe('agentVocabulary', () => {
  it('is the demo clinic when the agent has no business block', () => {
    assert.deepEqual(agentVocabulary(AgentSchema.parse(base)), DEMO_VOCABULARY);
  });

  it('overrides only the fields given', () => {
    const v = agentVocabulary(AgentSchema.parse({ ...base, business: { name: 'Bright Smiles Dental', services: ['cleaning', 'whitening'], appointmentHours: { first: 9, last: 16 }, timeZone: 'Europe/London' } }));
    assert.deepEqual(v, { ...DEMO_VOCABULARY, business: 'Bright Smiles Dental', services: ['cleaning', 'whitening'], appointmentHours: { first: 9, last: 16 }, timeZone: 'Europe/London' });
  });
});
