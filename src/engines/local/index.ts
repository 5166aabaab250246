import type { Logger } from 'pino';
import type { EngineFactory } from '../engine.js';
import { DEMO_VOCABULARY, type ReceptionistVocabulary } from './brain/nlu/vocabulary.js';
import { LocalEngine } from './local-engine.js';
import { createNetworkProviders, type NetworkProvidersConfig } from './network/index.js';
import type { SpeechRecognizer, SpeechSynthesizer } from './providers.js';
import { availableParallelism } from 'node:os';
import { PocketsphinxRecognizer } from './stt/index.js';
import { EspeakSynthesizer } from './tts/index.js';
import { grammarsByVocabulary } from './brain/grammar.js';
import { EnergyVad } from './vad/index.js';

/** One recognition worker per core (up to 4): under many calls at once, decoding is what runs out first. */
const RECOGNITION_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

export interface LocalEngineOptions {
  logger: Logger;
  vocabulary?: ReceptionistVocabulary;
  /** Builds the shared speech recognizer (default: pocketsphinx); a rejection = no recognition (text still works). */
  createRecognizer?: () => Promise<SpeechRecognizer | null>;
  /** OpenAI-compatible providers replacing the offline ones slot by slot (see `networkProvidersFromEnv`); default: none. */
  network?: NetworkProvidersConfig;
}

/**
 * `local`: the embedded engine. Providers that need system tools are checked
 * once at start-up; a missing one is logged with the command that installs it,
 * and text conversations keep working without it. Network providers, when
 * configured, take their slot instead (and need no system tools).
 */
export async function createLocalEngine(opts: LocalEngineOptions): Promise<EngineFactory> {
  const network = createNetworkProviders(opts.network ?? {}, { logger: opts.logger });
  let tts: SpeechSynthesizer | null = network.tts ?? null;
  if (!tts) {
    const espeak = new EspeakSynthesizer();
    tts = await espeak.check().then(
      () => espeak,
      (err: Error) => {
        opts.logger.warn({ code: (err as { code?: string }).code }, `speech synthesis unavailable, answering with text only: ${err.message}`);
        return null;
      },
    );
  }
  const vocabulary = opts.vocabulary ?? DEMO_VOCABULARY;
  const grammarFor = grammarsByVocabulary();
  const grammar = grammarFor({ awaiting: null, inTask: false, justBooked: false }, vocabulary);
  const networkStt = network.stt;
  const createRecognizer =
    opts.createRecognizer ?? (networkStt ? () => Promise.resolve(networkStt) : () => PocketsphinxRecognizer.create({ logger: opts.logger, defaultGrammar: grammar, workers: RECOGNITION_WORKERS }));
  const stt = await createRecognizer().catch((err: Error) => {
    opts.logger.warn({ code: (err as { code?: string }).code }, `speech recognition unavailable, audio input will not be understood: ${err.message}`);
    return null;
  });
  const createModel = network.createModel;
  opts.logger.info({ stt: stt?.name ?? null, tts: tts?.name ?? null, brain: createModel ? 'chat-completions' : 'receptionist' }, 'local engine providers');
  return {
    name: 'local',
    defaultModel: 'parley-local',
    create: async (ctx) =>
      new LocalEngine(ctx, {
        createVad: (settings) => new EnergyVad(stt?.sampleRate ?? 16000, settings),
        stt,
        tts,
        vocabulary,
        // The receptionist grammars steer recognition toward what the rule-based brain understands; an LLM brain hears anything.
        ...(createModel ? { createModel } : { grammarFor }),
      }),
    close: async () => {
      await Promise.allSettled([tts?.close(), stt?.close()]);
    },
  };
}
