/** Stable identifiers for every failure the audio module reports. */
export type AudioErrorCode =
  | 'PCM16_ODD_LENGTH'
  | 'PCM16_BAD_CHANNELS'
  | 'RESAMPLE_BAD_RATE'
  | 'WAV_NOT_RIFF'
  | 'WAV_NOT_WAVE'
  | 'WAV_TRUNCATED'
  | 'WAV_MISSING_FMT'
  | 'WAV_MISSING_DATA'
  | 'WAV_INVALID_FORMAT'
  | 'WAV_UNSUPPORTED_ENCODING'
  | 'WAV_UNSUPPORTED_BIT_DEPTH';

/**
 * Error thrown by the audio module. Callers branch on `code` (stable); `message` is for
 * humans and says what was wrong and how to fix it.
 */
export class AudioError extends Error {
  readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string) {
    super(message);
    this.name = 'AudioError';
    this.code = code;
  }
}
