import type { Logger } from 'pino';
import type { EngineFactory } from '../engine.js';
import { DEMO_VOCABULARY, type ReceptionistVocabulary } from './brain/nlu/vocabulary.js';
import { LocalEngine } from './local-engine.js';
import type { SpeechRecognizer } from './providers.js';
import { EspeakSynthesizer } from './tts/index.js';
import { EnergyVad } from './vad/index.js';

export interface LocalEngineOptions {
  logger: Logger;
  vocabulary?: ReceptionistVocabulary;
  /** Builds the shared speech recognizer; null or a rejection = no recognition (text still works). */
  createRecognizer?: () => Promise<SpeechRecognizer | null>;
  grammar?: { name: string; jsgf: string };
}

/**
 * `local`: the embedded engine. Providers that need system tools are checked
 * once at start-up; a missing one is logged with the command that installs it,
 * and text conversations keep working without it.
 */
export async function createLocalEngine(opts: LocalEngineOptions): Promise<EngineFactory> {
  const tts = new EspeakSynthesizer();
  const ttsReady = await tts.check().then(
    () => true,
    (err: Error) => {
      opts.logger.warn({ code: (err as { code?: string }).code }, `speech synthesis unavailable, answering with text only: ${err.message}`);
      return false;
    },
  );
  const stt = await (opts.createRecognizer?.() ?? Promise.resolve(null)).catch((err: Error) => {
    opts.logger.warn({ code: (err as { code?: string }).code }, `speech recognition unavailable, audio input will not be understood: ${err.message}`);
    return null;
  });
  const vocabulary = opts.vocabulary ?? DEMO_VOCABULARY;
  return {
    name: 'local',
    create: async (ctx) =>
      new LocalEngine(ctx, {
        createVad: (settings) => new EnergyVad(stt?.sampleRate ?? 16000, settings),
        stt,
        tts: ttsReady ? tts : null,
        vocabulary,
        ...(opts.grammar ? { grammar: opts.grammar } : {}),
      }),
    close: async () => {
      await Promise.allSettled([tts.close(), stt?.close()]);
    },
  };
}
