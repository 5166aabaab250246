import assert from 'node:assert/strict';
import { writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_TOOLS } from '../../src/tools/builtin/schemas.js';
import { AgentError } from '../../src/agents/errors.js';
import { loadAgents } from '../../src/agents/load.js';
import { agentsDir, agentYaml, loadError } from './fixtures.js';

const BUILTIN_NAMES = Object.keys(BUILTIN_TOOLS);

describe('loadAgents: the repository agents/ folder', () => {
  it('loads the receptionist: public, quiet office, every built-in tool, a greeting', async () => {
    const registry = await loadAgents('agents', { env: {}, engines: ['local', 'echo'], defaultAgent: 'receptionist' });
    const agent = registry.get('receptionist');
    assert.ok(agent);
    assert.deepEqual(
      registry.list().map((a) => a.name),
      ['receptionist'],
    );
    assert.equal(agent.access, 'public');
    assert.equal(agent.turnDetection, 'quiet_office');
    assert.deepEqual(agent.tools.map((t) => t.name).sort(), [...BUILTIN_NAMES].sort());
    assert.ok(agent.tools.every((t) => t.type === 'builtin'));
    assert.match(agent.greeting ?? '', /Maple Street Clinic/);
    assert.match(agent.instructions, /AI assistant/);
    assert.match(agent.instructions, /confirm/);
    assert.equal(agent.business?.name, 'Maple Street Clinic');
    assert.equal(registry.get('nobody'), undefined);
  });
});

describe('loadAgents: a valid folder', () => {
  it('applies the defaults, reads .yml too and lists agents by name', async () => {
    const dir = agentsDir({ 'zeta.yaml': agentYaml('zeta'), 'alpha.yml': agentYaml('alpha'), 'README.md': '# not an agent' });
    const registry = await loadAgents(dir, { env: {} });
    assert.deepEqual(
      registry.list().map((a) => a.name),
      ['alpha', 'zeta'],
    );
    const zeta = registry.get('zeta');
    assert.ok(zeta);
    assert.equal(zeta.voice, 'alloy');
    assert.equal(zeta.language, 'en');
    assert.equal(zeta.engine, undefined);
    assert.deepEqual(zeta.tools, []);
    assert.equal(zeta.turnDetection, 'quiet_office');
    assert.equal(zeta.transcription, true);
    assert.deepEqual(zeta.memory, { enabled: true, summaries: 3, lastActions: 5, maxContextTokens: 4000 });
    assert.deepEqual(zeta.limits, { maxDurationS: 900, idleTimeoutMs: 15000, idlePrompt: 'Are you still there?', idleEndAfterPrompts: 2, budgetUsd: 1 });
    assert.equal(zeta.recording, false);
    assert.equal(zeta.access, 'key');
    assert.equal(zeta.greeting, undefined);
    assert.equal(zeta.business, undefined);
  });

  it('a webhook header variable that is set lets the agent load', async () => {
    const dir = agentsDir({ 'crm.yaml': agentYaml('crm', 'tools:', '  - { type: webhook, name: crm_lookup, description: Look up, url: "https://crm.example/lookup", parameters: { type: object }, headersFromEnv: { Authorization: CRM_TOKEN } }') });
    const agent = (await loadAgents(dir, { env: { CRM_TOKEN: 'secret' } })).get('crm');
    assert.ok(agent);
    const tool = agent.tools[0];
    assert.equal(tool?.type, 'webhook');
    assert.deepEqual(tool?.type === 'webhook' && tool.headersFromEnv, { Authorization: 'CRM_TOKEN' });
    assert.equal(tool?.type === 'webhook' && tool.method, 'POST');
  });
});

describe('loadAgents: problems name the file and the field', () => {
  it('bad YAML: file:line:col', async () => {
    const dir = agentsDir({ 'broken.yaml': 'name: broken\nlimits:\n  a: [1, 2\n  b: 3\n' });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.equal(err.problems.length, 1);
    const [p] = err.problems;
    assert.equal(p?.code, 'agent_invalid');
    assert.equal(p?.file, join(dir, 'broken.yaml'));
    assert.match(p?.message ?? '', new RegExp(`^${escape(join(dir, 'broken.yaml'))}:4:3: YAML syntax error: `));
  });

  it('a YAML alias bomb is refused, not expanded', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'];
    const dir = agentsDir({ 'bomb.yaml': agentYaml('bomb', ...bomb) });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.equal(err.problems.length, 1);
    assert.match(err.message, /bomb\.yaml: cannot be read as YAML: .*alias/i);
  });

  it('a duplicate YAML key is a syntax error with its position', async () => {
    const dir = agentsDir({ 'dup.yaml': agentYaml('dup', 'voice: ash', 'voice: sage') });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.match(err.message, /dup\.yaml:5:1: YAML syntax error: Map keys must be unique/);
  });

  it('unknown field: names the path and lists the allowed fields', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a', 'colour: blue', 'limits: { maxDurationS: 60, maxDuration: 60 }') });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    const file = join(dir, 'a.yaml');
    assert.deepEqual(
      err.problems.map((p) => p.message).sort(),
      [
        `${file}: colour: unknown field; expected one of: name, description, instructions, voice, language, engine, model, tools, turnDetection, transcription, memory, limits, recording, access, greeting, business, phone`,
        `${file}: limits.maxDuration: unknown field; expected one of: maxDurationS, idleTimeoutMs, idlePrompt, idleEndAfterPrompts, budgetUsd`,
      ],
    );
  });

  it('wrong type and out-of-range values', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a', 'recording: "yes"', 'limits: { maxDurationS: 100000 }', 'voice: robot') });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    const file = join(dir, 'a.yaml');
    const messages = err.problems.map((p) => p.message);
    assert.ok(messages.includes(`${file}: recording: Invalid input: expected boolean, received string`), messages.join('\n'));
    assert.ok(messages.includes(`${file}: limits.maxDurationS: Too big: expected number to be <=86400`), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith(`${file}: voice: `) && m.includes('"marin"')), messages.join('\n'));
    assert.equal(messages.length, 3);
    assert.ok(err.problems.every((p) => p.code === 'agent_invalid'));
  });

  it('a missing required field says so', async () => {
    const dir = agentsDir({ 'a.yaml': 'name: a\ndescription: d\n' });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${join(dir, 'a.yaml')}: instructions: required field is missing (expected string)`],
    );
  });

  it('unknown built-in tool: lists the built-in tools', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a', 'tools: [end_call, book_apointment]') });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.message, `${join(dir, 'a.yaml')}: tools.1.name: unknown built-in tool "book_apointment"; built-in tools: ${BUILTIN_NAMES.join(', ')}`);
  });

  it('duplicate tool names', async () => {
    const dir = agentsDir({
      'a.yaml': agentYaml('a', 'tools:', '  - end_call', '  - { name: end_call, description: Hang up }', '  - { type: client, name: end_call, description: d, parameters: { type: object } }'),
    });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    const file = join(dir, 'a.yaml');
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${file}: tools.1.name: duplicate tool name "end_call" (also tools.0)`, `${file}: tools.2.name: duplicate tool name "end_call" (also tools.0)`],
    );
  });

  it('name must equal the file name', async () => {
    const dir = agentsDir({ 'front-desk.yaml': agentYaml('reception') });
    const err = await loadError(() => loadAgents(dir, { env: {} }));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${join(dir, 'front-desk.yaml')}: name: "reception" must equal the file name without extension ("front-desk")`],
    );
  });

  it('a webhook header variable missing from the environment names the variable and the tool', async () => {
    const dir = agentsDir({
      'crm.yaml': agentYaml('crm', 'tools:', '  - { type: webhook, name: crm_lookup, description: Look up, url: "https://crm.example/lookup", parameters: { type: object }, headersFromEnv: { Authorization: CRM_TOKEN, X-Tenant: CRM_TENANT } }'),
    });
    const err = await loadError(() => loadAgents(dir, { env: { CRM_TENANT: 'acme', CRM_TOKEN: '' } }));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${join(dir, 'crm.yaml')}: tools.0.headersFromEnv.Authorization: environment variable CRM_TOKEN is not set (header Authorization of webhook tool "crm_lookup")`],
    );
  });

  it('the environment defaults to process.env', async () => {
    const variable = `PARLEY_TEST_AGENT_TOKEN_${process.pid}`;
    const dir = agentsDir({ 'crm.yaml': agentYaml('crm', 'tools:', `  - { type: webhook, name: crm, description: d, url: "https://crm.example/", parameters: { type: object }, headersFromEnv: { Authorization: ${variable} } }`) });
    const err = await loadError(() => loadAgents(dir));
    assert.match(err.message, new RegExp(`environment variable ${variable} is not set`));
    process.env[variable] = 'x';
    try {
      assert.ok((await loadAgents(dir)).get('crm'));
    } finally {
      delete process.env[variable];
    }
  });

  it('a missing folder', async () => {
    const dir = join(agentsDir(), 'nope');
    const err = await loadError(() => loadAgents(dir));
    assert.equal(err.code, 'agents_invalid');
    assert.deepEqual(
      err.problems.map((p) => p.code),
      ['agents_dir_missing'],
    );
    assert.match(err.message, new RegExp(`${escape(dir)}: the agents folder does not exist; set agents\\.dir \\(PARLEY_AGENTS_DIR\\)`));
  });

  it('a file where the folder should be', async () => {
    const parent = agentsDir({ 'file.txt': 'x' });
    const err = await loadError(() => loadAgents(join(parent, 'file.txt')));
    assert.equal(err.problems[0]?.code, 'agents_dir_missing');
    assert.match(err.message, /is not a folder/);
  });

  it('an empty folder (other files do not count)', async () => {
    const dir = agentsDir({ 'notes.txt': 'x', '.hidden.yaml': agentYaml('hidden') });
    const err = await loadError(() => loadAgents(dir));
    assert.deepEqual(
      err.problems.map((p) => p.code),
      ['agents_dir_empty'],
    );
    assert.match(err.message, /no agent definitions \(\*\.yaml or \*\.yml files\)/);
  });

  it('an empty file and a file that is not a mapping', async () => {
    const dir = agentsDir({ 'empty.yaml': '# nothing yet\n', 'list.yaml': '- a\n- b\n' });
    const err = await loadError(() => loadAgents(dir));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${join(dir, 'empty.yaml')}: the file is empty; expected an agent definition (name, description, instructions…)`, `${join(dir, 'list.yaml')}: expected a mapping of agent fields (name: …, description: …, instructions: …), found a list`],
    );
  });

  it('the same agent in a .yaml and a .yml file', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a'), 'a.yml': agentYaml('a') });
    const err = await loadError(() => loadAgents(dir));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.code, 'agent_duplicate');
    assert.equal(err.problems[0]?.message, `${join(dir, 'a.yml')}: agent "a" is also defined in ${join(dir, 'a.yaml')}; keep one of the two files`);
  });

  it('one phone number claimed by two agents; a number not in E.164', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a', "phone: { numbers: ['+15550100000'] }"), 'b.yaml': agentYaml('b', "phone: { numbers: ['+15550100000', '+15550100002'] }") });
    const err = await loadError(() => loadAgents(dir));
    assert.deepEqual(err.problems.map((p) => p.message), [`${join(dir, 'b.yaml')}: phone number +15550100000 also reaches agent "a"; a number routes calls to one agent`]);
    const bad = agentsDir({ 'a.yaml': agentYaml('a', "phone: { numbers: ['555-0100'] }") });
    const err2 = await loadError(() => loadAgents(bad));
    assert.match(err2.problems[0]?.message ?? '', /phone\.numbers\.0: expected a phone number in E\.164 form/);
    const ok = await loadAgents(agentsDir({ 'a.yaml': agentYaml('a', "phone: { numbers: ['+15550100000'], transferTo: '+15550100999' }"), 'b.yaml': agentYaml('b') }));
    assert.equal(ok.byNumber('+15550100000')?.name, 'a');
    assert.equal(ok.byNumber('+15550100002'), undefined);
  });

  it('an unknown engine, when the engines are given', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a', 'engine: openia') });
    const err = await loadError(() => loadAgents(dir, { engines: ['local', 'echo'] }));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [`${join(dir, 'a.yaml')}: engine: unknown engine "openia"; engines: local, echo`],
    );
    assert.ok((await loadAgents(dir)).get('a'), 'without a list of engines any name is accepted');
  });

  it('a default agent without a file', async () => {
    const dir = agentsDir({ 'a.yaml': agentYaml('a') });
    const err = await loadError(() => loadAgents(dir, { defaultAgent: 'receptionist' }));
    assert.deepEqual(
      err.problems.map((p) => p.code),
      ['agent_not_found'],
    );
    assert.match(err.message, /default agent "receptionist" .* has no file receptionist\.yaml; agents: a/);
  });

  it('an unreadable agent file is a problem of that file', async () => {
    const dir = agentsDir({ 'ok.yaml': agentYaml('ok') });
    symlinkSync(join(dir, 'missing-target.yaml'), join(dir, 'dangling.yaml'));
    const err = await loadError(() => loadAgents(dir));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.file, join(dir, 'dangling.yaml'));
    assert.match(err.problems[0]?.message ?? '', /dangling\.yaml: cannot be read \(ENOENT/);
  });
});

describe('loadAgents: every problem at once', () => {
  it('collects the problems of every file into one error', async () => {
    const dir = agentsDir({
      'a.yaml': agentYaml('a', 'colour: blue', 'tools: [nope]'),
      'b.yaml': 'name: b\n  bad: [indent\n',
      'c.yaml': agentYaml('wrong'),
      'ok.yaml': agentYaml('ok'),
    });
    writeFileSync(join(dir, 'd.yml'), agentYaml('d', 'memory: { summaries: -1 }', 'limits: { idleEndAfterPrompts: 1.5 }'));
    const err = await loadError(() => loadAgents(dir, { env: {}, defaultAgent: 'ok' }));
    assert.ok(err instanceof Error);
    assert.ok(err.problems.every((p) => p instanceof AgentError));
    const files = err.problems.map((p) => p.file?.slice(dir.length + 1));
    assert.deepEqual([...new Set(files)], ['a.yaml', 'b.yaml', 'c.yaml', 'd.yml']);
    assert.equal(err.problems.length, 6, err.message);
    assert.match(err.message, /^Invalid agent definitions \(6 problems\):\n {2}- /);
    for (const p of err.problems) assert.ok(err.message.includes(`\n  - ${p.message}`));
    assert.match(err.message, /d\.yml: memory\.summaries: Too small: expected number to be >=0/);
    assert.match(err.message, /d\.yml: limits\.idleEndAfterPrompts: expected a whole number/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
