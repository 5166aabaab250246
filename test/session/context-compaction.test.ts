import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SUMMARY_HEADER } from '../../src/session/context-summary.js';
import { RawClient } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const agent = (name: string, maxContextTokens: number): string => `name: ${name}
description: Echo agent for context tests.
instructions: Test agent.
engine: echo
access: public
tools: [book_appointment]
memory: { maxContextTokens: ${maxContextTokens} }
`;

/** The next weekday a week from now, so the booking is in business hours. */
function weekday(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** A long call: a booking, then `turns` chatty turns; the input tokens of every response. */
async function longCall(wsUrl: string, agentName: string, turns: number): Promise<{ ws: RawClient; inputTokens: number[] }> {
  const ws = await RawClient.connect(`${wsUrl}?agent=${agentName}`);
  await ws.next('session.created');
  const inputTokens: number[] = [];
  const turn = async (text: string, untilMessage: boolean): Promise<void> => {
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    ws.send({ type: 'response.create' });
    const done = await ws.next('response.done', (e) => !untilMessage || e.response.output.some((i: { type: string }) => i.type === 'message'), 10_000);
    inputTokens.push(done.response.usage.input_tokens);
  };
  await turn(`call book_appointment {"service":"consultation","date":"${weekday()}","time":"10:00"}`, true);
  for (let i = 0; i < turns; i++) await turn(`This is turn ${i}: I would like to talk about the weather, the parking, the opening hours and a few other things for a while.`, true);
  return { ws, inputTokens };
}

describe('long sessions: older turns are summarised out of the engine context', () => {
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-context-'));
    writeFileSync(join(dir, 'compact.yaml'), agent('compact', 500));
    writeFileSync(join(dir, 'unbounded.yaml'), agent('unbounded', 1_000_000));
    srv = await startTestServer({ agents: { default: 'compact' } }, { agentsDir: dir });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the input tokens per response stop growing at the budget, while the same call without a budget grows turn by turn', async () => {
    const turns = 40;
    const bounded = await longCall(srv.wsUrl, 'compact', turns);
    const baseline = await longCall(srv.wsUrl, 'unbounded', turns);
    const last = (xs: number[]) => xs.slice(-8);
    // The same run without a budget: the context keeps every turn.
    assert.ok(baseline.inputTokens.at(-1)! > 4 * 500, `baseline grew to ${baseline.inputTokens.at(-1)} tokens`);
    assert.ok(Math.max(...last(baseline.inputTokens)) > Math.max(...last(bounded.inputTokens)) * 3);
    // With the budget: each response's context stays within the budget plus the turns since the last summary.
    for (const t of last(bounded.inputTokens)) assert.ok(t <= 500 + 150, `input tokens ${t} with a 500-token budget (${bounded.inputTokens.join(', ')})`);
    assert.equal(baseline.ws.events.filter((e) => e.type === 'conversation.item.deleted').length, 0);

    const ws = bounded.ws;
    const deleted = new Set(ws.events.filter((e) => e.type === 'conversation.item.deleted').map((e) => e.item_id as string));
    const firstUser = ws.events.find((e) => e.type === 'conversation.item.added' && e.item.role === 'user');
    assert.ok(deleted.has(firstUser!.item.id), 'the oldest turn left the context');
    const summaries = ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.role === 'system' && String(e.item.content[0]?.text).startsWith(SUMMARY_HEADER));
    assert.ok(summaries.length >= 2, `summarised more than once (${summaries.length})`);
    // Each new summary replaces the one before: only the newest is still in the context.
    for (const s of summaries.slice(0, -1)) assert.ok(deleted.has(s.item.id), 'an older summary was replaced');
    const latest = summaries.at(-1)!.item;
    assert.ok(!deleted.has(latest.id));
    // What was done outlives what was said: the early booking is still in the summary.
    assert.match(latest.content[0].text, /Tool book_appointment\(.*\): booked a consultation (with [A-Za-z ]+ )?for \d{4}-\d\d-\d\d at 10:00/);
    ws.send({ type: 'conversation.item.retrieve', item_id: latest.id });
    assert.equal((await ws.next('conversation.item.retrieved', (e) => e.item.id === latest.id)).item.content[0].text, latest.content[0].text);
    assert.equal(ws.events.filter((e) => e.type === 'error').length, 0, JSON.stringify(ws.events.filter((e) => e.type === 'error')));
    await Promise.all([ws.close(), baseline.ws.close()]);
  });
});
