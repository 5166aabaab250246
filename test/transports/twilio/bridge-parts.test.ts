import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { DigitCollector } from '../../../src/transports/twilio/dtmf.js';
import { InboundStream } from '../../../src/transports/twilio/inbound.js';
import { MarkLedger } from '../../../src/transports/twilio/marks.js';
import { parseTwilioMessage } from '../../../src/transports/twilio/messages.js';
import { callOutcome, outcomeTwiml } from '../../../src/transports/twilio/outcome.js';

const SILENCE = Buffer.alloc(160, 0xff).toString('base64');
const frame = (byte: number): string => Buffer.alloc(160, byte).toString('base64');

describe('MarkLedger: what Twilio confirmed played', () => {
  it('an echoed mark moves its item to that mark; a later one further; other items apart', () => {
    const m = new MarkLedger();
    const a1 = m.next('item_a', 20);
    const a2 = m.next('item_a', 40);
    const b1 = m.next('item_b', 20);
    assert.notEqual(a1, a2, 'names are unique');
    assert.equal(m.playing, true);
    assert.equal(m.playedMs('item_a'), 0, 'nothing confirmed yet');
    assert.equal(m.ack(a1), 'played');
    assert.equal(m.playedMs('item_a'), 20);
    assert.equal(m.ack(a2), 'played');
    assert.equal(m.playedMs('item_a'), 40);
    assert.equal(m.playedMs('item_b'), 0);
    assert.equal(m.ack(b1), 'played');
    assert.equal(m.playing, false);
    assert.equal(m.acknowledged, 3);
    assert.equal(m.ack('item_x:1:1'), 'unknown', 'a mark Parley never sent changes nothing');
  });

  it('after a clear, the echoes of discarded marks are not playbacks', () => {
    const m = new MarkLedger();
    const names = [20, 40, 60, 80].map((ms) => m.next('item_a', ms));
    m.ack(names[0]!);
    assert.deepEqual(m.discardAll(), ['item_a']);
    assert.equal(m.playing, false);
    // Twilio echoes every pending mark after `clear`.
    for (const n of names.slice(1)) assert.equal(m.ack(n), 'discarded');
    assert.equal(m.playedMs('item_a'), 20, 'still only what was confirmed before the clear');
    assert.equal(m.acknowledged, 1);
  });

  it('idle() waits for the last mark, or gives up after its time', async () => {
    const m = new MarkLedger();
    const n = m.next('item_a', 20);
    let done = false;
    const waiting = m.idle(5000).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    m.ack(n);
    await waiting;
    assert.equal(done, true);
    m.next('item_b', 20);
    const t0 = Date.now();
    await m.idle(50);
    assert.ok(Date.now() - t0 >= 45, 'bounded wait');
  });
});

describe('InboundStream: the caller audio timeline', () => {
  it('passes frames through untouched and fills lost frames with silence, by timestamp', () => {
    const out: string[] = [];
    const s = new InboundStream((a) => out.push(a), () => 0);
    s.frame(0, frame(1), 160);
    s.frame(20, frame(2), 160);
    s.frame(100, frame(3), 160); // 60 ms lost: frames at 40, 60, 80
    assert.deepEqual(out, [frame(1), frame(2), SILENCE, SILENCE, SILENCE, frame(3)]);
    assert.equal(s.stats.filledMs, 60);
  });

  it('drops a frame whose time has passed (duplicate or too late), keeping one timeline', () => {
    const out: string[] = [];
    const s = new InboundStream((a) => out.push(a), () => 0);
    s.frame(0, frame(1), 160);
    s.frame(20, frame(2), 160);
    s.frame(20, frame(2), 160);
    s.frame(0, frame(1), 160);
    assert.equal(out.length, 2);
    assert.equal(s.stats.late, 2);
  });

  it('a check that runs late (this process stalled, frames may be unread) fills nothing', () => {
    let now = 0;
    const out: string[] = [];
    const s = new InboundStream((a) => out.push(a), () => now);
    s.frame(0, frame(1), 160);
    s.tick(500, 100);
    now = 800;
    s.tick(500, 100);
    assert.equal(out.length, 1, 'an 800 ms gap between checks: the process, not the line');
    s.frame(20, frame(2), 160);
    assert.equal(out.at(-1), frame(2), 'the waiting frames are still taken');
    assert.equal(s.stats.late, 0);
  });

  it('a stalled line gets silence for the time that passed, and frames of that time are then late', () => {
    let now = 0;
    const out: string[] = [];
    const s = new InboundStream((a) => out.push(a), () => now);
    s.frame(0, frame(1), 160);
    for (now = 100; now <= 400; now += 100) s.tick(500, 100);
    assert.equal(out.length, 1, 'not stalled yet');
    now = 560;
    s.tick(500, 100);
    assert.equal(out.length, 1 + 28, '560 ms of silence (28 frames)');
    s.frame(20, frame(2), 160);
    assert.equal(s.stats.late, 1);
    s.frame(580, frame(3), 160);
    assert.equal(out.at(-1), frame(3));
  });
});

describe('DigitCollector: keypad entries', () => {
  it('# ends an entry at once; a pause ends one without it', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const entries: string[] = [];
      const c = new DigitCollector((e) => entries.push(e), 1500);
      for (const d of '1234#') c.press(d);
      assert.deepEqual(entries, ['1234#']);
      c.press('5');
      c.press('6');
      mock.timers.tick(1499);
      assert.deepEqual(entries, ['1234#']);
      mock.timers.tick(1);
      assert.deepEqual(entries, ['1234#', '56']);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('Twilio stream messages', () => {
  it('accepts Twilio\'s messages and refuses malformed ones with a reason', () => {
    assert.equal(parseTwilioMessage('{"event":"connected","protocol":"Call","version":"1.0.0"}').ok, true);
    const media = parseTwilioMessage(JSON.stringify({ event: 'media', sequenceNumber: '3', streamSid: 'MZ1', media: { track: 'inbound', chunk: '1', timestamp: '5', payload: SILENCE } }));
    assert.equal(media.ok, true);
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['{"event":"media","sequenceNumber":3,"streamSid":"MZ1","media":{}}', /sequenceNumber/],
      [JSON.stringify({ event: 'dtmf', sequenceNumber: '4', streamSid: 'MZ1', dtmf: { track: 'inbound_track', digit: 'A' } }), /dtmf\.digit/],
      ['{"event":"hello"}', /event/],
    ];
    for (const [text, re] of cases) {
      const r = parseTwilioMessage(text);
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, re);
    }
  });
});

describe('what follows a session on the phone', () => {
  it('transfer dials the number, or apologises without one; the agent\'s endings hang up; failures apologise', () => {
    assert.deepEqual(callOutcome('transfer', '+15550100999'), { kind: 'transfer', to: '+15550100999' });
    assert.match(outcomeTwiml(callOutcome('transfer', '+15550100999')), /<Dial>\+15550100999<\/Dial>/);
    assert.match(outcomeTwiml(callOutcome('transfer', null)), /<Say>I'm sorry, nobody is available.*<\/Say><Hangup\/>/);
    assert.equal(outcomeTwiml(callOutcome('end_call', null)), '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    assert.match(outcomeTwiml(callOutcome('engine closed: upstream gone', null)), /technical trouble.*<Hangup\/>/);
    assert.match(outcomeTwiml(callOutcome(null, null)), /technical trouble/);
  });
});
