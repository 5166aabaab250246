/** Stable identifiers for the failures the local speech recognizer reports. */
export type SttErrorCode =
  /** A system package is missing (the message and `command` say which and how to install it). */
  | 'stt_unavailable'
  /** The recognition worker exited while this utterance was in it; the worker is restarted. */
  | 'stt_worker_crashed'
  /** The worker could not be started or initialised for another reason (see the message). */
  | 'stt_worker_failed'
  /** The worker gave no result within the recognizer's `endTimeoutMs`; it is restarted. */
  | 'stt_timeout'
  /** The worker rejected the utterance (bad request, decoder error). */
  | 'stt_decode_failed'
  /** The grammar is malformed: syntax, undefined or recursive rules, bad names, bad phones. */
  | 'stt_grammar_invalid'
  /** The grammar uses words that have no pronunciation (`words` lists them). */
  | 'stt_unknown_words'
  /** The recognizer only recognizes against a grammar and none was given. */
  | 'stt_grammar_required'
  /** The requested language is not one the installed model speaks. */
  | 'stt_language_unsupported'
  /** The utterance was cancelled before its transcript was ready. */
  | 'stt_cancelled'
  /** The recognizer was closed. */
  | 'stt_closed';

export interface SttErrorDetails {
  /** For `stt_unavailable`: the command that installs what is missing. */
  command?: string;
  /** For `stt_unknown_words`: the words without a pronunciation, in grammar order. */
  words?: readonly string[];
  cause?: unknown;
}

/**
 * Error reported by the local speech recognizer and its grammar tools. Callers branch on
 * `code`; `message` is for humans and says what to do about it.
 */
export class SttError extends Error {
  readonly code: SttErrorCode;
  readonly command: string | undefined;
  readonly words: readonly string[] | undefined;

  constructor(code: SttErrorCode, message: string, details: SttErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SttError';
    this.code = code;
    this.command = details.command;
    this.words = details.words;
  }
}

/** Debian/Ubuntu packages the pocketsphinx recognizer needs at run time. */
export const POCKETSPHINX_PACKAGES = ['python3', 'python3-pocketsphinx', 'pocketsphinx-en-us'] as const;

export function installCommand(packages: readonly string[] = POCKETSPHINX_PACKAGES): string {
  return `sudo apt-get install -y ${packages.join(' ')}`;
}

export function unavailable(what: string, packages: readonly string[], cause?: unknown): SttError {
  const command = installCommand(packages);
  return new SttError('stt_unavailable', `speech recognition is unavailable: ${what}. Install it with: ${command}`, {
    command,
    cause,
  });
}
