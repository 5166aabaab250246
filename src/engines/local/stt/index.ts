export {
  PocketsphinxRecognizer,
  DEFAULT_DECODER_PARAMS,
  defaultWorkerScript,
  type MinimalLogger,
  type PocketsphinxRecognizerOptions,
} from './pocketsphinx.js';
export {
  defineGrammar,
  oneOf,
  oneOrMore,
  optional,
  parseJsgf,
  prepareGrammar,
  rule,
  seq,
  zeroOrMore,
  type DefineGrammarOptions,
  type Grammar,
  type GrammarExpr,
  type GrammarNode,
  type GrammarSpec,
  type ParsedJsgf,
  type PreparedGrammar,
  type RuleBody,
} from './grammar.js';
export {
  DEFAULT_DICTIONARY_PATH,
  DEFAULT_MODEL_DIR,
  PHONES,
  PronouncingDictionary,
  defaultDictionary,
  normalizePhones,
  spellOut,
} from './dictionary.js';
export { POCKETSPHINX_PACKAGES, SttError, installCommand, type SttErrorCode, type SttErrorDetails } from './errors.js';
