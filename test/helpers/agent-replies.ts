import { resample } from '../../src/audio/index.js';
import { defineGrammar, PocketsphinxRecognizer } from '../../src/engines/local/stt/index.js';

/** The receptionist's confirmation of a consultation at ten or eleven, as pocketsphinx may hear it. */
const BOOKING_CONFIRMATION = defineGrammar({
  name: 'agent_replies',
  public: 'reply',
  rules: {
    reply: "you're all set a consultation <day> at (ten | eleven) a.m. anything else",
    day: ['tomorrow', '<weekday> <month> <num>'],
    weekday: 'monday | tuesday | wednesday | thursday | friday | saturday | sunday',
    month: 'january | february | march | april | may | june | july | august | september | october | november | december',
    num: 'one | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen | twenty [one | two | three | four | five | six | seven | eight | nine] | thirty [one]',
  },
});

/**
 * Re-transcribes the agent's own audio (PCM16 24 kHz) of a booking confirmation, so a test can
 * check the voice says what the transcript says (as Pipecat's evals do).
 */
export async function hearBookingConfirmation(pcm24: Int16Array): Promise<string> {
  const recognizer = await PocketsphinxRecognizer.create({ defaultGrammar: BOOKING_CONFIRMATION });
  try {
    const stream = recognizer.start({ grammar: BOOKING_CONFIRMATION });
    stream.write(resample(pcm24, 24000, 16000));
    return (await stream.end()).text;
  } finally {
    await recognizer.close();
  }
}
