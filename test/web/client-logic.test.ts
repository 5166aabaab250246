import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicLevel } from '../../web/src/client/audio/mic-level.js';
import { ConversationState, type CallState } from '../../web/src/client/conversation-state.js';
import { Backoff } from '../../web/src/client/reconnect.js';
import { Transcript, type TranscriptEntry } from '../../web/src/client/transcript.js';

const walk = (steps: Array<{ type: string } | string>): CallState[] => {
  const seen: CallState[] = [];
  const s = new ConversationState((x) => seen.push(x));
  for (const step of steps) {
    if (typeof step === 'string') s.signal(step as Parameters<ConversationState['signal']>[0]);
    else s.event(step);
  }
  return seen;
};

describe('the page’s conversation state', () => {
  it('walks a whole turn: connecting → listening → you speak → thinking → agent speaking → listening', () => {
    const seen = walk(['connect', { type: 'session.created' }, { type: 'input_audio_buffer.speech_started' }, { type: 'input_audio_buffer.speech_stopped' }, { type: 'response.created' }, 'playback_started', { type: 'response.done' }, 'playback_drained']);
    assert.deepEqual(seen, ['connecting', 'listening', 'user_speaking', 'thinking', 'agent_speaking', 'listening']);
  });

  it('the agent is "speaking" until its audio has played, not until the server is done sending', () => {
    const seen = walk([{ type: 'session.created' }, { type: 'response.created' }, 'playback_started', { type: 'response.done' }]);
    assert.equal(seen.at(-1), 'agent_speaking');
  });

  it('speech over the playing agent is an interruption; speech in silence is not', () => {
    assert.equal(walk([{ type: 'session.created' }, { type: 'response.created' }, 'playback_started', { type: 'input_audio_buffer.speech_started' }]).at(-1), 'interrupted');
    assert.equal(walk([{ type: 'session.created' }, { type: 'input_audio_buffer.speech_started' }]).at(-1), 'user_speaking');
  });

  it('a drop shows reconnecting; ended is final', () => {
    assert.deepEqual(walk([{ type: 'session.created' }, 'drop', 'open', 'end', { type: 'session.created' }]), ['listening', 'reconnecting', 'listening', 'ended']);
  });

  it('WebRTC playback follows the server’s output_audio_buffer events', () => {
    const seen = walk([{ type: 'session.created' }, { type: 'response.created' }, { type: 'output_audio_buffer.started' }, { type: 'response.done' }, { type: 'output_audio_buffer.stopped' }]);
    assert.deepEqual(seen, ['listening', 'thinking', 'agent_speaking', 'listening']);
  });
});

describe('the page’s transcript', () => {
  const build = (events: Array<Record<string, unknown> & { type: string }>, heardAt?: number): TranscriptEntry[] => {
    const t = new Transcript();
    let now = 0;
    for (const e of events) {
      now += 100;
      t.event(e, now);
      if (heardAt !== undefined && e.type === 'response.output_audio_transcript.delta') t.audioHeard(heardAt);
    }
    return t.entries;
  };

  it('streams both sides, keyed by item, and measures each answer from the end of speech to its first audio heard', () => {
    const entries = build(
      [
        { type: 'input_audio_buffer.speech_stopped' },
        { type: 'conversation.item.input_audio_transcription.delta', item_id: 'u1', delta: 'when are' },
        { type: 'conversation.item.input_audio_transcription.completed', item_id: 'u1', transcript: 'when are you open' },
        { type: 'response.output_audio_transcript.delta', item_id: 'a1', delta: "We're open" },
        { type: 'response.output_audio_transcript.done', item_id: 'a1', transcript: "We're open Monday to Friday." },
      ],
      450,
    );
    assert.deepEqual(entries.map((e) => [e.kind, e.text, e.final]), [['user', 'when are you open', true], ['agent', "We're open Monday to Friday.", true]]);
    assert.equal(entries[1]?.latencyMs, 350, 'speech stopped at 100 ms, first audio heard at 450 ms');
  });

  it('shows a tool call with its arguments, then its result', () => {
    const entries = build([
      { type: 'conversation.item.done', item: { type: 'function_call', call_id: 'c1', name: 'book_appointment', arguments: '{"service":"cleaning"}' } },
      { type: 'conversation.item.added', item: { type: 'function_call_output', call_id: 'c1', output: '{"appointment":{"id":"apt_1"}}' } },
    ]);
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0]?.tool, { name: 'book_appointment', arguments: '{"service":"cleaning"}', output: '{"appointment":{"id":"apt_1"}}' });
    assert.equal(entries[0]?.final, true);
  });

  it('an interrupted answer keeps what was shown and is marked', () => {
    const entries = build([
      { type: 'response.output_audio_transcript.delta', item_id: 'a1', delta: 'Hello, thank' },
      { type: 'conversation.item.truncated', item_id: 'a1', audio_end_ms: 800 },
      { type: 'response.output_audio_transcript.done', item_id: 'a1', transcript: 'Hello, thank you for calling.' },
    ]);
    assert.equal(entries[0]?.text, 'Hello, thank');
    assert.equal(entries[0]?.interrupted, true);
  });

  it('a typed turn shows its text', () => {
    const entries = build([{ type: 'conversation.item.added', item: { id: 'u2', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi there' }] } }]);
    assert.deepEqual(entries.map((e) => [e.kind, e.text]), [['user', 'hi there']]);
  });
});

describe('reconnect backoff and the microphone warning', () => {
  it('backs off exponentially with jitter, capped, then gives up', () => {
    const b = new Backoff({ firstMs: 500, maxMs: 4000, attempts: 5, random: () => 0.5 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000, 4000, null]);
    b.reset();
    assert.equal(b.next(), 500);
    const jittered = new Backoff({ firstMs: 1000, maxMs: 8000, attempts: 3, random: () => 0 });
    assert.equal(jittered.next(), 750);
  });

  it('warns after 5 s of digital silence, and clears when sound comes back; a quiet room is not silence', () => {
    const warnings: boolean[] = [];
    const levels: number[] = [];
    const mic = new MicLevel({ level: (db) => levels.push(db), silent: (s) => warnings.push(s) });
    for (let t = 0; t <= 6000; t += 100) mic.push(10 ** (-80 / 20), t);
    assert.deepEqual(warnings, [], 'a −80 dBFS room after noise suppression');
    for (let t = 6000; t <= 10900; t += 100) mic.push(0, t);
    assert.deepEqual(warnings, []);
    mic.push(0, 11000);
    assert.deepEqual(warnings, [true]);
    mic.push(0.1, 11100);
    assert.deepEqual(warnings, [true, false]);
    assert.equal(Math.round(levels.at(-1)!), -20);
  });
});
