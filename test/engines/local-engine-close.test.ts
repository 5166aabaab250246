import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import type { SpeechSynthesizer } from '../../src/engines/local/providers.js';
import { EnergyVad } from '../../src/engines/local/vad/index.js';
import { Driver } from '../helpers/engine-driver.js';

const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 1 << 24, maxInputBufferBytes: 1 << 24, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };

/** Speaks one 100 ms chunk per text, then holds the response open until it is aborted (a long sentence). */
function slowSpeech(): SpeechSynthesizer & { texts: string[] } {
  const texts: string[] = [];
  return {
    name: 'slow-stub',
    texts,
    async *synthesize(text, { signal }) {
      texts.push(text);
      yield { samples: new Int16Array(2205), sampleRate: 22050, text };
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    close: async () => {},
  };
}

describe('local engine: closing', () => {
  it('close_mid_response_arms_no_idle_timer: a session closed while the agent speaks starts no idle re-prompt afterwards', async () => {
    const tts = slowSpeech();
    const engine = new LocalEngine(
      { session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }) },
      { createVad: (s) => new EnergyVad(16000, s), stt: null, tts, vocabulary: DEMO_VOCABULARY },
    );
    const d = new Driver(engine);
    d.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 50 } } } } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'when are you open' }] } });
    d.send({ type: 'response.create' });
    await d.next('response.output_audio.delta');
    // The caller hangs up mid-answer: the response is cancelled by the close itself.
    await engine.close('client closed');
    // Well past idle_timeout_ms plus the 100 ms that was "playing".
    await sleep(500);
    assert.deepEqual(tts.texts, ["We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m."], 'nothing is spoken after the close (no idle re-prompt on a closed engine)');
  });
});
