import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SttError, unavailable } from './errors.js';

/** Where Debian's `pocketsphinx-en-us` installs the US English model and its dictionary. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const DEFAULT_DICTIONARY_PATH = `${DEFAULT_MODEL_DIR}/cmudict-en-us.dict`;

/** The 39 ARPAbet phones of CMUdict, which are also the en-us acoustic model's phones (besides SIL). */
export const PHONES: ReadonlySet<string> = new Set(
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' '),
);

/** Letter and digit names, for spelling out words the dictionary lacks ("NHS" → "en aitch ess"). */
const SPELLING: Record<string, string> = {
  a: 'EY', b: 'B IY', c: 'S IY', d: 'D IY', e: 'IY', f: 'EH F', g: 'JH IY', h: 'EY CH', i: 'AY',
  j: 'JH EY', k: 'K EY', l: 'EH L', m: 'EH M', n: 'EH N', o: 'OW', p: 'P IY', q: 'K Y UW',
  r: 'AA R', s: 'EH S', t: 'T IY', u: 'Y UW', v: 'V IY', w: 'D AH B AH L Y UW', x: 'EH K S',
  y: 'W AY', z: 'Z IY', '0': 'Z IH R OW', '1': 'W AH N', '2': 'T UW', '3': 'TH R IY', '4': 'F AO R',
  '5': 'F AY V', '6': 'S IH K S', '7': 'S EH V AH N', '8': 'EY T', '9': 'N AY N',
};

/** Letter-by-letter pronunciation of a word ("b.b.c." → "B IY B IY S IY"); undefined if it has no letters or digits. */
export function spellOut(word: string): string | undefined {
  const phones: string[] = [];
  for (const ch of word.toLowerCase()) {
    const name = SPELLING[ch];
    if (name !== undefined) phones.push(name);
  }
  return phones.length > 0 ? phones.join(' ') : undefined;
}

/**
 * Checks an ARPAbet pronunciation ("P AA R L IY"; stress digits like "AA1" are dropped) and
 * returns it normalised, or throws `stt_grammar_invalid` naming the bad phones.
 */
export function normalizePhones(word: string, phones: string): string {
  const list = phones.trim().toUpperCase().split(/\s+/).filter((p) => p !== '').map((p) => p.replace(/[012]$/, ''));
  const bad = list.filter((p) => !PHONES.has(p));
  if (list.length === 0 || bad.length > 0) {
    throw new SttError(
      'stt_grammar_invalid',
      `the pronunciation of "${word}" (${JSON.stringify(phones)}) ` +
        (list.length === 0 ? 'is empty' : `has phones the model does not know: ${bad.join(', ')}`) +
        `; use ARPAbet phones: ${[...PHONES].join(' ')}`,
    );
  }
  return list.join(' ');
}

/**
 * A CMUdict-format pronouncing dictionary (`word PH ON ES`, alternates as `word(2) ...`), the
 * vocabulary pocketsphinx can recognize. Kept as the file's text and searched in one pass per
 * lookup batch: grammars are compiled rarely, and 135k words held as a Map would cost ~15 MB.
 */
export class PronouncingDictionary {
  readonly path: string;
  #text: string;

  constructor(text: string, path = '(inline)') {
    this.#text = text;
    this.path = path;
  }

  static async load(path = DEFAULT_DICTIONARY_PATH): Promise<PronouncingDictionary> {
    try {
      return new PronouncingDictionary(await readFile(path, 'utf8'), path);
    } catch (error) {
      throw dictionaryError(path, error);
    }
  }

  static loadSync(path = DEFAULT_DICTIONARY_PATH): PronouncingDictionary {
    try {
      return new PronouncingDictionary(readFileSync(path, 'utf8'), path);
    } catch (error) {
      throw dictionaryError(path, error);
    }
  }

  /**
   * Pronunciations of each word (lower-cased for the lookup), primary first. Words the
   * dictionary lacks are absent from the result.
   */
  lookupMany(words: Iterable<string>): Map<string, string[]> {
    const wanted = new Set<string>();
    for (const word of words) wanted.add(word.toLowerCase());
    const found = new Map<string, string[]>();
    if (wanted.size === 0) return found;
    const text = this.#text;
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const space = text.indexOf(' ', start);
      if (space > start && space < end) {
        let word = text.slice(start, space);
        const paren = word.indexOf('(');
        if (paren > 0) word = word.slice(0, paren);
        if (wanted.has(word)) {
          const phones = text.slice(space + 1, end).trim();
          const list = found.get(word);
          if (list === undefined) found.set(word, [phones]);
          else list.push(phones);
        }
      }
      start = end + 1;
    }
    return found;
  }

  lookup(word: string): string[] | undefined {
    return this.lookupMany([word]).get(word.toLowerCase());
  }

  has(word: string): boolean {
    return this.lookup(word) !== undefined;
  }
}

function dictionaryError(path: string, error: unknown): SttError {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' && path === DEFAULT_DICTIONARY_PATH) {
    return unavailable(`the pronouncing dictionary ${path} is missing (Debian package pocketsphinx-en-us)`, ['pocketsphinx-en-us'], error);
  }
  return new SttError('stt_unavailable', `cannot read the pronouncing dictionary ${path}: ${(error as Error).message}`, { cause: error });
}

let shared: PronouncingDictionary | undefined;

/** The default dictionary, read once per process. */
export function defaultDictionary(): PronouncingDictionary {
  shared ??= PronouncingDictionary.loadSync();
  return shared;
}
