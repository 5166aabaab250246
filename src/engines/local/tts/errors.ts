/** Stable identifiers for the failures a local TTS provider reports. */
export type TtsErrorCode =
  /** The synthesizer program is not installed or cannot be run. */
  | 'tts_unavailable'
  /** The synthesizer ran but failed (crashed, rejected a voice, produced no audio). */
  | 'tts_failed'
  /** `synthesize` was called after `close()`. */
  | 'tts_closed';

/**
 * Error thrown (through the chunk iterator) by a local TTS provider. Callers branch on `code`;
 * `message` is for humans and says what to do about it.
 */
export class TtsError extends Error {
  readonly code: TtsErrorCode;

  constructor(code: TtsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TtsError';
    this.code = code;
  }
}

export const ESPEAK_INSTALL_COMMAND = 'sudo apt-get install espeak-ng';
