import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient, refusedUpgrade, type Json, spokenText } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';



describe('a reconnect with the same session id resumes the conversation from the record', () => {
  let srv: TestServer;
  let store: Store;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
  });
  after(() => srv.close());

  async function connect(query: string): Promise<{ ws: RawClient; id: string }> {
    const ws = await RawClient.connect(`${srv.wsUrl}?${query}`);
    const created = await ws.next('session.created', undefined, 10_000);
    ws.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    await ws.next('session.updated');
    return { ws, id: created.session.id as string };
  }

  const say = async (ws: RawClient, text: string, until: (e: Json) => boolean = () => true): Promise<Json> => {
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    ws.send({ type: 'response.create' });
    return ws.next('response.done', (e) => spokenText(e.response) !== '' && until(e), 15_000);
  };

  it('the dropped call carries on mid-booking: same session id, the earlier turns re-seeded, the agent remembers the task, one session record', async () => {
    const first = await connect('caller_id=resume-caller-1');
    await first.ws.next('response.done', undefined, 15_000); // the greeting
    const asked = await say(first.ws, "I'd like to book a consultation");
    assert.equal(spokenText(asked.response), 'What day works for you?');
    first.ws.ws.terminate(); // the network drops: no close frame

    const second = await connect(`session_id=${first.id}&caller_id=resume-caller-1`);
    assert.equal(second.id, first.id, 'the same session');
    const reseeded = second.ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.type === 'message' && e.item.role !== 'system');
    assert.deepEqual(
      reseeded.map((e) => [e.item.role, e.item.content[0].text]),
      [
        ['assistant', 'Hi, thanks for calling Maple Street Clinic. How can I help you today?'],
        ['user', "I'd like to book a consultation"],
        ['assistant', 'What day works for you?'],
      ],
    );
    const firstUserId = first.ws.events.find((e) => e.type === 'conversation.item.added' && e.item.role === 'user')!.item.id;
    assert.equal(reseeded[1]!.item.id, firstUserId, 'items keep their ids, so a client can match what it already shows');
    assert.equal(second.ws.events.filter((e) => e.type === 'response.created').length, 0, 'no second greeting');

    // The brain carries on from the record: a date and time complete the booking it was filling.
    const booked = await say(second.ws, 'next Tuesday at 10 am', (e) => /all set/.test(spokenText(e.response)));
    assert.match(spokenText(booked.response), /consultation/);
    const call = second.ws.events.find((e) => e.type === 'response.function_call_arguments.done' && e.name === 'book_appointment')!;
    assert.equal(JSON.parse(call.arguments).service, 'consultation');

    const live = await store.records.session(first.id);
    assert.equal(live?.endedAt, null, 'live again');
    assert.deepEqual(
      live?.transcript.map((t) => t.role),
      ['assistant', 'user', 'assistant', 'user', 'assistant'],
      'both connections in one transcript, the re-seeded items not written twice',
    );
    assert.match(live?.transcript.at(-1)?.text ?? '', /all set/);
    assert.equal(live?.toolCalls.length, 1);
    await second.ws.close();
    const sessions = await store.records.sessions({ callerId: 'resume-caller-1' });
    assert.equal(sessions.length, 1, 'one session, not two');
  });

  it('resuming a session that is still connected moves it to the new connection', async () => {
    const first = await connect('caller_id=resume-caller-2');
    await first.ws.next('response.done', undefined, 15_000);
    const second = await connect(`session_id=${first.id}&caller_id=resume-caller-2`);
    assert.deepEqual(await first.ws.closed, { code: 1000, reason: 'resumed on a new connection' });
    const hours = await say(second.ws, 'When are you open?');
    assert.match(spokenText(hours.response), /Monday to Friday/);
    await second.ws.close();
  });

  it('refuses what may not be resumed, before the upgrade, with a code', async () => {
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?session_id=sess_doesnotexist`), { status: 404, code: 'session_not_found' });
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?session_id=not-a-session`), { status: 400, code: 'invalid_value' });
    const s = await connect('caller_id=resume-caller-3');
    await s.ws.next('response.done', undefined, 15_000);
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?session_id=${s.id}&caller_id=someone-else`), { status: 403, code: 'caller_mismatch' });
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?session_id=${s.id}`), { status: 403, code: 'caller_mismatch' });
    // The caller says goodbye: the agent ends the call, which is then over for good.
    await say(s.ws, 'Goodbye');
    await s.ws.closed;
    const deadline = Date.now() + 5000;
    while ((await store.records.session(s.id))?.endReason !== 'end_call' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await refusedUpgrade(`${srv.wsUrl}?session_id=${s.id}&caller_id=resume-caller-3`), { status: 410, code: 'session_ended' });
  });

  it('the line drops between the question and the answer: the resumed session answers the question, once', async () => {
    const first = await connect('caller_id=resume-caller-9');
    await first.ws.next('response.done', undefined, 15_000); // the greeting
    first.ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'When are you open' }] } });
    await first.ws.next('conversation.item.done', (e) => e.item.role === 'user');
    first.ws.ws.terminate(); // dropped before any answer was asked for

    const { ws: second, id } = await connect(`session_id=${first.id}&caller_id=resume-caller-9`);
    assert.equal(id, first.id);
    const answer = await second.next('response.done', (e) => spokenText(e.response) !== '', 15_000);
    assert.match(spokenText(answer.response), /^We're open Monday to Friday/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(second.events.filter((e) => e.type === 'response.created').length, 1, 'answered once, no greeting again');
    await second.close();
  });
});
