import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceptionistBrain, type BrainReply } from '../../src/engines/local/brain/receptionist.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { findDate, isoDate, today } from '../../src/engines/local/brain/nlu/dates.js';
import { findTime, isoTime } from '../../src/engines/local/brain/nlu/times.js';
import { tokenize } from '../../src/engines/local/brain/nlu/understand.js';
import { BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';

// Monday 23 November 2026, 10:00 in New York.
const NOW = new Date('2026-11-23T15:00:00Z');
const ALL_TOOLS = new Set(Object.keys(BUILTIN_TOOLS));
const brain = (tools: ReadonlySet<string> = ALL_TOOLS) => {
  const b = new ReceptionistBrain(DEMO_VOCABULARY, () => NOW);
  return { say: (text: string) => b.respond({ kind: 'user', text }, tools), result: (r: BrainReply, output: unknown) => b.respond({ kind: 'tool_result', name: r.calls[0]?.name as string, args: r.calls[0]?.args ?? {}, output: JSON.stringify(output) }, tools) };
};

/** The brain's calls must be valid for the tools' own schemas, as a model's would be checked. */
function valid(r: BrainReply): BrainReply {
  for (const c of r.calls) BUILTIN_TOOLS[c.name as BuiltinToolName].args.parse(c.args);
  return r;
}

describe('relative dates and times in the agent time zone', () => {
  const base = today(NOW, 'America/New_York');
  const date = (s: string) => {
    const d = findDate(tokenize(s), base);
    return d && isoDate(d);
  };
  const time = (s: string) => {
    const t = findTime(tokenize(s));
    return t && isoTime(t);
  };
  it('dates', () => {
    assert.equal(date('today'), '2026-11-23');
    assert.equal(date('tomorrow'), '2026-11-24');
    assert.equal(date('the day after tomorrow'), '2026-11-25');
    assert.equal(date('next Tuesday'), '2026-11-24');
    assert.equal(date('on Monday'), '2026-11-30', 'a weekday named on that weekday means next week');
    assert.equal(date('next week Friday'), '2026-12-04');
    assert.equal(date('December third'), '2026-12-03');
    assert.equal(date('the fifth of January'), '2027-01-05');
    assert.equal(date('the twenty fourth'), '2026-11-24');
    assert.equal(date('the second'), '2026-12-02', 'a past day of this month means next month');
    assert.equal(date('next week Monday'), '2026-11-30', 'on a Monday, next week Monday is 7 days away');
    assert.equal(date('sometime soon'), null);
  });
  it('"tomorrow" is the agent\'s tomorrow, not the server\'s', () => {
    const lateEvening = new Date('2026-11-24T03:00:00Z'); // 22:00 on the 23rd in New York, already the 24th in UTC
    assert.equal(isoDate(findDate(['tomorrow'], today(lateEvening, 'America/New_York')) as never), '2026-11-24');
    assert.equal(isoDate(findDate(['tomorrow'], today(lateEvening, 'UTC')) as never), '2026-11-25');
  });
  it('times', () => {
    assert.equal(time('at ten a.m.'), '10:00');
    assert.equal(time('10am'), '10:00');
    assert.equal(time('two thirty p m'), '14:30');
    assert.equal(time('at 2'), '14:00', 'afternoon when no meridiem and the clinic is open');
    assert.equal(time('half past nine'), '09:30');
    assert.equal(time('quarter to three'), '14:45');
    assert.equal(time('noon'), '12:00');
    assert.equal(time('14:15'), '14:15');
    assert.equal(time('ten oh five in the morning'), '10:05');
    assert.equal(time('I have two kids'), null);
    assert.equal(time('four oh seven two'), null, 'a digit string is not a time');
    assert.equal(time('at four oh seven'), '16:07');
  });
});

describe('receptionist dialogue', () => {
  it('books straight away when the caller gives service, day and time', () => {
    const b = brain();
    const r = valid(b.say("I'd like to book a consultation next Tuesday at ten a.m."));
    assert.deepEqual(r.calls, [{ name: 'book_appointment', args: { service: 'consultation', date: '2026-11-24', time: '10:00' } }]);
    const done = b.result(r, { appointment: { id: 'appt_1' } });
    assert.equal(done.say, "You're all set: a consultation tomorrow at 10 a.m. Anything else?");
  });

  it('fills slots across turns', () => {
    const b = brain();
    assert.match(b.say('I want to make an appointment').say ?? '', /Which service/);
    assert.equal(b.say('a cleaning please').say, 'What day works for you?');
    assert.equal(b.say('Thursday').say, 'What time would you like?');
    const r = valid(b.say('two thirty in the afternoon'));
    assert.deepEqual(r.calls[0]?.args, { service: 'cleaning', date: '2026-11-26', time: '14:30' });
  });

  it('a correction after booking moves that booking ("no, Tuesday")', () => {
    const b = brain();
    const booked = valid(b.say('book a check-up on Friday at nine'));
    assert.deepEqual(booked.calls[0]?.args, { service: 'check-up', date: '2026-11-27', time: '09:00' });
    b.result(booked, { appointment: { id: 'appt_9' } });
    const moved = valid(b.say('no, Tuesday'));
    assert.deepEqual(moved.calls, [{ name: 'reschedule_appointment', args: { appointment_id: 'appt_9', new_date: '2026-11-24', new_time: '09:00' } }]);
    assert.equal(b.result(moved, { ok: true }).say, "Done. You're now booked tomorrow at 9 a.m. Anything else?");
  });

  it('availability, then a choice, then a confirmed booking', () => {
    const b = brain();
    const check = valid(b.say('is anything available on Wednesday for a consultation'));
    assert.deepEqual(check.calls, [{ name: 'check_availability', args: { service: 'consultation', date: '2026-11-25' } }]);
    assert.equal(b.result(check, { available_times: ['09:00', '11:30', '15:00', '16:00'] }).say, 'Wednesday, November 25 I have 9 a.m., 11:30 a.m. or 3 p.m. Which would you like?');
    const book = valid(b.say('eleven thirty'));
    assert.deepEqual(book.calls, [{ name: 'book_appointment', args: { service: 'consultation', date: '2026-11-25', time: '11:30' } }]);
  });

  it('a taken slot offers the alternatives the tool returned', () => {
    const b = brain();
    const r = b.say('book a cleaning tomorrow at 10');
    const reply = b.result(r, { error: { code: 'slot_taken', message: 'that time is already taken' }, alternatives: ['11:00', '13:00'] });
    assert.equal(reply.say, 'Sorry, that time is already taken. I have 11 a.m. or 1 p.m. Would one of those work?');
    assert.deepEqual(valid(b.say('one p m')).calls[0]?.args, { service: 'cleaning', date: '2026-11-24', time: '13:00' });
  });

  it('orders, cancellations, hours, a person, goodbye', () => {
    const b = brain();
    assert.deepEqual(valid(b.say('where is my order one two three four')).calls, [{ name: 'lookup_order', args: { order_id: '1234' } }]);
    assert.equal(b.result({ calls: [{ name: 'lookup_order', args: { order_id: '1234' } }] }, { status: 'shipped', eta: 'Thursday' }).say, 'Order 1234 is shipped, arriving Thursday. Anything else?');
    assert.deepEqual(valid(b.say('please cancel my appointment on Friday at nine')).calls, [{ name: 'cancel_appointment', args: { date: '2026-11-27', time: '09:00' } }]);
    assert.equal(b.say('when are you open').say, DEMO_VOCABULARY.hours);
    assert.equal(b.say('what are your opening hours').say, DEMO_VOCABULARY.hours);
    assert.equal(b.say('what time do you close').say, DEMO_VOCABULARY.hours);
    assert.deepEqual(valid(b.say('do you have any openings on Friday for a cleaning')).calls[0]?.name, 'check_availability');
    assert.deepEqual(valid(b.say('my account number is four two four two')).calls, [{ name: 'lookup_customer', args: { account_id: '4242' } }]);
    assert.deepEqual(valid(brain().say('my phone number is five five five one two three four')).calls, [{ name: 'lookup_customer', args: { phone: '5551234' } }]);
    assert.deepEqual(b.say('can I talk to a real person').calls.map((c) => c.name), ['transfer_to_human']);
    const bye = b.say("that's all, bye");
    assert.equal(bye.say, 'Thanks for calling. Goodbye!');
    assert.deepEqual(bye.calls.map((c) => c.name), ['end_call']);
  });

  it('calls only tools the session offers', () => {
    const b = brain(new Set(['check_availability']));
    const r = b.say("I'd like to book a consultation next Tuesday at ten a.m.");
    assert.deepEqual(r.calls, []);
    assert.match(r.say ?? '', /can't do that from here/);
    assert.deepEqual(brain(new Set()).say('bye').calls, [], 'no end_call unless offered');
  });

  it('asks again when it does not understand', () => {
    const b = brain();
    assert.match(b.say('banana').say ?? '', /What would you like to do/);
    b.say('book a consultation');
    assert.equal(b.say('purple').say, "Sorry, I didn't get that. What day works for you?");
  });
});
