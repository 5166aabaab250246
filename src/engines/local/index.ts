import type { Logger } from 'pino';
import type { EngineFactory } from '../engine.js';
import { DEMO_VOCABULARY, type ReceptionistVocabulary } from './brain/nlu/vocabulary.js';
import { LocalEngine } from './local-engine.js';
import type { SpeechRecognizer } from './providers.js';
import { PocketsphinxRecognizer } from './stt/index.js';
import { EspeakSynthesizer } from './tts/index.js';
import { receptionistGrammar } from './brain/grammar.js';
import { EnergyVad } from './vad/index.js';

export interface LocalEngineOptions {
  logger: Logger;
  vocabulary?: ReceptionistVocabulary;
  /** Builds the shared speech recognizer (default: pocketsphinx); a rejection = no recognition (text still works). */
  createRecognizer?: () => Promise<SpeechRecognizer | null>;
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
  const vocabulary = opts.vocabulary ?? DEMO_VOCABULARY;
  const grammar = receptionistGrammar(vocabulary);
  const createRecognizer = opts.createRecognizer ?? (() => PocketsphinxRecognizer.create({ logger: opts.logger, defaultGrammar: grammar }));
  const stt = await createRecognizer().catch((err: Error) => {
    opts.logger.warn({ code: (err as { code?: string }).code }, `speech recognition unavailable, audio input will not be understood: ${err.message}`);
    return null;
  });
  return {
    name: 'local',
    create: async (ctx) =>
      new LocalEngine(ctx, {
        createVad: (settings) => new EnergyVad(stt?.sampleRate ?? 16000, settings),
        stt,
        tts: ttsReady ? tts : null,
        vocabulary,
        grammar,
      }),
    close: async () => {
      await Promise.allSettled([tts.close(), stt?.close()]);
    },
  };
}
