import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlaybackBuffer, type MarkRecord } from '../../../src/simulators/twilio/index.js';

const bytes = (n: number, value: number): Uint8Array => new Uint8Array(n).fill(value);
const row = (m: MarkRecord): [string, number, number, boolean] => [m.name, m.ackedAtMs, m.playedBytesBefore, m.discarded];

describe("PlaybackBuffer: Twilio's playback queue over a 20 ms tick", () => {
  it('a mark is acknowledged only once the audio queued before it has played, to the byte', () => {
    const acks: string[] = [];
    const pb = new PlaybackBuffer({ onAck: (m) => acks.push(m.name) });
    pb.enqueueAudio(bytes(400, 0x11), 0); // 50 ms
    pb.enqueueMark('a', 0);
    pb.enqueueAudio(bytes(100, 0x22), 0); // 12.5 ms
    pb.enqueueMark('b', 0);
    assert.equal(pb.queuedBytes, 500);

    pb.tick(); // [0, 20)
    pb.flush(20);
    pb.tick(); // [20, 40)
    pb.flush(40);
    assert.deepEqual(acks, [], 'after 40 ms, 320 of the 400 bytes before "a" have played');
    pb.tick(); // [40, 60): the last 80 bytes before "a", then 80 of the next chunk
    pb.flush(49.9);
    assert.deepEqual(acks, [], '"a" is reached at 50 ms, not before');
    pb.flush(50);
    assert.deepEqual(acks, ['a']);
    pb.flush(60);
    assert.deepEqual(acks, ['a'], '"b" still has 20 bytes before it');
    pb.tick(); // [60, 80): 20 bytes, then "b", then silence
    pb.flush(80);
    assert.deepEqual(pb.marks.map(row), [
      ['a', 50, 400, false],
      ['b', 62.5, 500, false],
    ]);
    assert.equal(pb.playedBytes, 500);
    assert.equal(pb.queuedBytes, 0);
    assert.equal(pb.clockMs, 80);
    const heard = pb.heard();
    assert.equal(heard.length, 640, '4 ticks × 160 bytes');
    assert.deepEqual(heard, Uint8Array.from([...bytes(400, 0x11), ...bytes(100, 0x22), ...bytes(140, 0xff)]));
  });

  it('a mark with nothing queued before it is acknowledged at once; behind audio still playing, when it ends', () => {
    const pb = new PlaybackBuffer();
    pb.enqueueMark('idle', 3);
    assert.deepEqual(pb.marks.map(row), [['idle', 3, 0, false]]);

    pb.enqueueAudio(bytes(80, 0x11), 3);
    pb.tick(); // [0, 20): arrived at 3 ms, after this frame started: not in it
    assert.equal(pb.playedBytes, 0, 'audio never plays before it arrived');
    pb.tick(); // [20, 40): the 80 bytes play until 30 ms
    pb.enqueueMark('tail', 25);
    pb.flush(25);
    assert.equal(pb.marks.length, 1, 'the frame now playing still holds audio queued before "tail"');
    assert.equal(pb.idle(25), false);
    pb.flush(30);
    assert.deepEqual(pb.marks.map(row)[1], ['tail', 30, 80, false]);
    assert.equal(pb.idle(30), true);
    pb.enqueueMark('after', 31);
    assert.deepEqual(pb.marks.map(row)[2], ['after', 31, 80, false], 'the audio is over: at once');
  });

  it('clear drops the unplayed audio and acknowledges every pending mark at once, in order, as discarded', () => {
    const pb = new PlaybackBuffer();
    pb.enqueueAudio(bytes(1600, 0x11), 0); // 200 ms
    pb.enqueueMark('x', 0);
    pb.enqueueAudio(bytes(160, 0x22), 0);
    pb.enqueueMark('y', 0);
    pb.tick();
    pb.tick();
    pb.flush(40);
    pb.clear(45);
    assert.deepEqual(pb.marks.map(row), [
      ['x', 45, 320, true],
      ['y', 45, 320, true],
    ]);
    assert.equal(pb.clears, 1);
    assert.equal(pb.queuedBytes, 0);
    assert.deepEqual(pb.tick(), bytes(160, 0xff), 'silence after the clear');
    assert.equal(pb.heard().filter((b) => b === 0x11).length, 320, 'only what was played before the clear was heard');
  });

  it('on clear, a mark whose audio is already playing counts as played, and the echoes stay in order', () => {
    const pb = new PlaybackBuffer();
    pb.enqueueAudio(bytes(80, 0x11), 0);
    pb.enqueueMark('p', 0);
    pb.enqueueAudio(bytes(800, 0x22), 0);
    pb.enqueueMark('q', 0);
    pb.tick(); // "p" reached at 10 ms
    pb.clear(5);
    assert.deepEqual(pb.marks.map(row), [
      ['p', 5, 80, false],
      ['q', 5, 160, true],
    ]);
  });

  it('plays 0xFF silence when empty and records time-aligned: byte i was heard at i / 8 ms', () => {
    const pb = new PlaybackBuffer();
    for (let i = 0; i < 3; i++) assert.deepEqual(pb.tick(), bytes(160, 0xff));
    pb.enqueueAudio(bytes(8, 0x33), 60); // 1 ms of audio arriving at 60 ms
    pb.tick(); // [60, 80)
    pb.tick();
    const heard = pb.heard();
    assert.equal(heard.length, 800);
    assert.equal(heard.indexOf(0x33), 480, 'heard from 60 ms = byte 480');
    assert.equal(heard.filter((b) => b === 0x33).length, 8);
    // The recording grows in 1 s chunks: still exact across them.
    for (let i = 0; i < 60; i++) pb.tick();
    assert.equal(pb.heard().length, 65 * 160);
  });

  it('abandon() drops the queue without acknowledgements; record: false keeps nothing', () => {
    const pb = new PlaybackBuffer({ record: false });
    pb.enqueueAudio(bytes(80, 1), 0);
    pb.enqueueMark('m1', 0);
    pb.enqueueAudio(bytes(800, 1), 0);
    pb.enqueueMark('m2', 0);
    pb.tick();
    assert.equal(pb.abandon(), 2);
    pb.flush(1000);
    assert.equal(pb.marks.length, 0);
    assert.equal(pb.heard().length, 0);
  });
});
