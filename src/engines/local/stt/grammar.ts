import { createHash } from 'node:crypto';
import { defaultDictionary, normalizePhones, spellOut, type PronouncingDictionary } from './dictionary.js';
import { SttError } from './errors.js';

/*
 * Grammars for the offline recognizer: what a caller may say, as JSGF (the Java Speech Grammar
 * Format pocketsphinx compiles into a finite-state search). The brain describes its phrases
 * here; `defineGrammar` checks them (rule names, references, recursion, and that every word
 * has a pronunciation) and writes JSGF that pocketsphinx handles correctly.
 *
 * A rule body is an expression, or an array of alternatives. An expression is either a string
 * in a small JSGF-like syntax or a node built with the helpers below:
 *
 *   'i want to book [a | an] <service>'   words, <rule> references, [optional], (group),
 *   'yes | yeah'                          alternatives, and `*` (zero or more) / `+` (one or
 *   '<digit>+'                            more) after a word, reference or group.
 *
 *   defineGrammar({
 *     name: 'booking',
 *     public: 'utterance',
 *     rules: {
 *       utterance: ['<book>', '<answer>'],
 *       book: "i'd like to book a consultation [<when>]",
 *       when: seq(optional('next'), rule('day'), optional('at', rule('time'))),
 *       day: ['monday', 'tuesday', 'wednesday'],
 *       ...
 *     },
 *     pronunciations: { parley: 'P AA R L IY' },
 *   })
 *
 * Words are case-insensitive and come out lower-case, as the recognizer reports them. Every
 * word must be in the pronouncing dictionary (CMUdict, 135k words), in `pronunciations`
 * (ARPAbet), or be a hyphenated compound of known words ("follow-up"); otherwise the build
 * fails with `stt_unknown_words` naming them, unless `unknownWords: 'spell'` asks for them to
 * be recognized spelled out letter by letter (right for acronyms such as "NHS", wrong for
 * names, which need a pronunciation). Pronunciations the dictionary lacks travel inside the
 * JSGF as `// @pronounce word PH ON ES` comments, so `{ name, jsgf }` is all a recognizer needs.
 *
 * Repeats are written as `X X*` (one or more) and `[X X*]` (zero or more): pocketsphinx
 * 5prealpha links a loop back to the state where it begins, and when that state is shared
 * (a `+` at the start of an alternative) the loop leaks into the other alternatives, e.g.
 * `<digit>+ | i'd like ...` accepts "oh i'd like ...".
 */

export type GrammarExpr = string | GrammarNode;

export type GrammarNode =
  | { readonly seq: readonly GrammarExpr[] }
  | { readonly oneOf: readonly GrammarExpr[] }
  | { readonly optional: GrammarExpr }
  | { readonly repeat: GrammarExpr; readonly min?: 0 | 1 }
  | { readonly rule: string };

/** A rule's expansion: one expression, or an array of alternatives. */
export type RuleBody = GrammarExpr | readonly GrammarExpr[];

export interface GrammarSpec {
  /** Grammar name: letters, digits and `_`, not starting with a digit. */
  name: string;
  /** The rule an utterance must match, or several (an utterance matches any of them). */
  public: string | readonly string[];
  rules: Readonly<Record<string, RuleBody>>;
  /** ARPAbet pronunciations (one or several per word) for words the dictionary lacks, or to replace its own. */
  pronunciations?: Readonly<Record<string, string | readonly string[]>>;
  /** Words with no pronunciation: `'error'` (default) fails the build; `'spell'` recognizes them spelled out. */
  unknownWords?: 'error' | 'spell';
}

/** A checked grammar, ready for `RecognitionOptions.grammar`. */
export interface Grammar {
  readonly name: string;
  readonly jsgf: string;
  /** Every word in the grammar, sorted. */
  readonly words: readonly string[];
}

export interface DefineGrammarOptions {
  /** The dictionary words are checked against. Default: the installed CMUdict (read once). */
  dictionary?: PronouncingDictionary;
}

// ---------- builder helpers ----------

export const seq = (...items: GrammarExpr[]): GrammarNode => ({ seq: items });
export const oneOf = (...items: GrammarExpr[]): GrammarNode => ({ oneOf: items });
/** The items in sequence, or nothing. */
export const optional = (...items: GrammarExpr[]): GrammarNode => ({ optional: items.length === 1 ? items[0]! : { seq: items } });
export const zeroOrMore = (...items: GrammarExpr[]): GrammarNode => ({ repeat: items.length === 1 ? items[0]! : { seq: items }, min: 0 });
export const oneOrMore = (...items: GrammarExpr[]): GrammarNode => ({ repeat: items.length === 1 ? items[0]! : { seq: items }, min: 1 });
export const rule = (name: string): GrammarNode => ({ rule: name });

// ---------- internal tree ----------

type Node =
  | { kind: 'word'; word: string }
  | { kind: 'ref'; rule: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'opt'; item: Node }
  | { kind: 'repeat'; item: Node; min: 0 | 1 };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORD = /^[a-z0-9'._-]+$/;
const ROOT_RULE = 'parley_root';

function invalid(message: string): SttError {
  return new SttError('stt_grammar_invalid', message);
}

/** Builds JSGF from a structured description, checking it completely (see the module comment). */
export function defineGrammar(spec: GrammarSpec, options: DefineGrammarOptions = {}): Grammar {
  if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
    throw invalid(`grammar name ${JSON.stringify(spec.name)} is not valid: use letters, digits and _, not starting with a digit`);
  }
  const where = `grammar "${spec.name}"`;
  const names = Object.keys(spec.rules);
  if (names.length === 0) throw invalid(`${where} has no rules`);
  for (const name of names) {
    if (!NAME.test(name)) throw invalid(`${where}: rule name ${JSON.stringify(name)} is not valid: use letters, digits and _, not starting with a digit`);
    if (name === ROOT_RULE || name === 'NULL' || name === 'VOID') throw invalid(`${where}: the rule name "${name}" is reserved`);
  }
  const rules = new Map<string, Node>();
  for (const name of names) {
    const body = spec.rules[name]!;
    try {
      rules.set(name, simplify(Array.isArray(body) ? alternatives(body as readonly GrammarExpr[]) : toNode(body as GrammarExpr)));
    } catch (error) {
      if (error instanceof SttError) throw invalid(`${where}, rule <${name}>: ${error.message}`);
      throw error;
    }
  }
  const publics = typeof spec.public === 'string' ? [spec.public] : [...spec.public];
  if (publics.length === 0) throw invalid(`${where}: "public" names no rule`);
  for (const name of publics) {
    if (!rules.has(name)) throw invalid(`${where}: public rule <${name}> is not defined (rules: ${names.join(', ')})`);
  }
  checkReferences(where, rules);

  // Unused rules are checked too: pocketsphinx ignores them, but a typo there is still a typo.
  const used = new Set<string>();
  for (const node of rules.values()) wordsOf(node, used);
  const pronunciations = resolvePronunciations(where, used, {
    dictionary: options.dictionary ?? defaultDictionary(),
    custom: customPronunciations(where, spec.pronunciations),
    unknownWords: spec.unknownWords ?? 'error',
  });

  const lines = ['#JSGF V1.0;', `// Grammar "${spec.name}", built by Parley's grammar builder.`];
  for (const [word, list] of pronunciations.extra) for (const phones of list) lines.push(`// @pronounce ${word} ${phones}`);
  lines.push(`grammar ${spec.name};`);
  if (publics.length > 1) lines.push(`public <${ROOT_RULE}> = ${publics.map((p) => `<${p}>`).join(' | ')};`);
  const order = [...(publics.length > 1 ? [] : publics), ...names.filter((n) => publics.length > 1 || n !== publics[0])];
  for (const name of order) {
    const isPublic = publics.length === 1 && name === publics[0];
    lines.push(`${isPublic ? 'public ' : ''}<${name}> = ${emit(rules.get(name)!, 'top')};`);
  }
  return { name: spec.name, jsgf: lines.join('\n') + '\n', words: [...used].sort() };
}

// ---------- parsing expressions ----------

function alternatives(items: readonly GrammarExpr[]): Node {
  if (items.length === 0) throw invalid('an empty list of alternatives');
  return { kind: 'alt', items: items.map(toNode) };
}

function toNode(expr: GrammarExpr): Node {
  if (typeof expr === 'string') return parsePhrase(expr);
  if (expr === null || typeof expr !== 'object') throw invalid(`expected a phrase or a node, got ${JSON.stringify(expr)}`);
  if ('seq' in expr) {
    if (expr.seq.length === 0) throw invalid('an empty seq()');
    return { kind: 'seq', items: expr.seq.map(toNode) };
  }
  if ('oneOf' in expr) {
    if (expr.oneOf.length === 0) throw invalid('an empty oneOf()');
    return { kind: 'alt', items: expr.oneOf.map(toNode) };
  }
  if ('optional' in expr) return { kind: 'opt', item: toNode(expr.optional) };
  if ('repeat' in expr) return { kind: 'repeat', item: toNode(expr.repeat), min: expr.min ?? 0 };
  if ('rule' in expr) {
    if (!NAME.test(expr.rule)) throw invalid(`rule reference ${JSON.stringify(expr.rule)} is not a valid rule name`);
    return { kind: 'ref', rule: expr.rule };
  }
  throw invalid(`unknown node ${JSON.stringify(expr)}: expected seq, oneOf, optional, repeat or rule`);
}

/** Parses the phrase syntax: words, <ref>, [opt], (group), a | b, postfix * and +. */
function parsePhrase(text: string): Node {
  const tokens = text.match(/<[^<>\s]*>|[[\]()|*+]|[^\s[\]()|*+<>]+|[<>]/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const fail = (what: string): never => {
    throw invalid(`${what} in ${JSON.stringify(text)}`);
  };

  const parseAlt = (): Node => {
    const items = [parseSeq()];
    while (peek() === '|') {
      pos++;
      items.push(parseSeq());
    }
    return items.length === 1 ? items[0]! : { kind: 'alt', items };
  };
  const parseSeq = (): Node => {
    const items: Node[] = [];
    for (let t = peek(); t !== undefined && t !== '|' && t !== ')' && t !== ']'; t = peek()) {
      let item = parseAtom();
      while (peek() === '*' || peek() === '+') item = { kind: 'repeat', item, min: tokens[pos++] === '+' ? 1 : 0 };
      items.push(item);
    }
    if (items.length === 0) fail('an empty alternative');
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  };
  const parseAtom = (): Node => {
    const t = tokens[pos++]!;
    if (t === '(' || t === '[') {
      const inner = parseAlt();
      const close = t === '(' ? ')' : ']';
      if (tokens[pos++] !== close) fail(`a "${t}" without its "${close}"`);
      return t === '(' ? inner : { kind: 'opt', item: inner };
    }
    if (t.startsWith('<')) {
      const name = t.slice(1, -1);
      if (!t.endsWith('>') || !NAME.test(name)) fail(`a bad rule reference ${JSON.stringify(t)}`);
      return { kind: 'ref', rule: name };
    }
    if (t === '*' || t === '+') fail(`a "${t}" with nothing before it`);
    const word = t.toLowerCase();
    if (!WORD.test(word) || !/[a-z0-9]/.test(word)) {
      fail(`the word ${JSON.stringify(t)} (words use letters, digits and ' . - _; drop punctuation such as commas)`);
    }
    return { kind: 'word', word };
  };

  if (tokens.length === 0) fail('an empty phrase');
  const node = parseAlt();
  if (pos < tokens.length) fail(`an unexpected "${tokens[pos]}"`);
  return node;
}

/** Flattens nested sequences and alternatives and unwraps single items. */
function simplify(node: Node): Node {
  switch (node.kind) {
    case 'word':
    case 'ref':
      return node;
    case 'opt':
      return { kind: 'opt', item: simplify(node.item) };
    case 'repeat':
      return { kind: 'repeat', item: simplify(node.item), min: node.min };
    case 'seq':
    case 'alt': {
      const items: Node[] = [];
      for (const child of node.items.map(simplify)) {
        if (child.kind === node.kind) items.push(...child.items);
        else items.push(child);
      }
      return items.length === 1 ? items[0]! : { kind: node.kind, items };
    }
  }
}

// ---------- checks ----------

function refsOf(node: Node, out: string[] = []): string[] {
  switch (node.kind) {
    case 'ref':
      out.push(node.rule);
      break;
    case 'seq':
    case 'alt':
      for (const item of node.items) refsOf(item, out);
      break;
    case 'opt':
    case 'repeat':
      refsOf(node.item, out);
      break;
    case 'word':
      break;
  }
  return out;
}

/** Every reference names a rule, and no rule reaches itself (pocketsphinx cannot compile most recursion). */
function checkReferences(where: string, rules: ReadonlyMap<string, Node>): void {
  for (const [name, node] of rules) {
    for (const ref of refsOf(node)) {
      if (!rules.has(ref)) throw invalid(`${where}, rule <${name}>: <${ref}> is not defined`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name].map((n) => `<${n}>`).join(' → ');
      throw invalid(`${where}: rules refer to themselves (${cycle}); write repetition with * or + instead`);
    }
    state.set(name, 'visiting');
    for (const ref of new Set(refsOf(rules.get(name)!))) visit(ref, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of rules.keys()) visit(name, []);
}

function wordsOf(node: Node, out: Set<string>): Set<string> {
  switch (node.kind) {
    case 'word':
      out.add(node.word);
      break;
    case 'seq':
    case 'alt':
      for (const item of node.items) wordsOf(item, out);
      break;
    case 'opt':
    case 'repeat':
      wordsOf(node.item, out);
      break;
    case 'ref':
      break;
  }
  return out;
}

function customPronunciations(where: string, given: GrammarSpec['pronunciations']): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [word, value] of Object.entries(given ?? {})) {
    const key = word.toLowerCase();
    if (!WORD.test(key)) throw invalid(`${where}: pronunciation given for ${JSON.stringify(word)}, which is not a valid word`);
    const list = typeof value === 'string' ? [value] : [...value];
    if (list.length === 0) throw invalid(`${where}: the pronunciation list of "${word}" is empty`);
    out.set(key, list.map((phones) => normalizePhones(word, phones)));
  }
  return out;
}

// ---------- pronunciations ----------

export interface ResolveOptions {
  dictionary: PronouncingDictionary;
  /** Pronunciations that take precedence over the dictionary, by lower-case word. */
  custom: ReadonlyMap<string, readonly string[]>;
  unknownWords: 'error' | 'spell';
}

export interface ResolvedPronunciations {
  /** Every word (as written) with its pronunciations, primary first. */
  all: Map<string, string[]>;
  /** The words whose pronunciations did not come from the dictionary itself (custom, compound, spelled). */
  extra: Map<string, string[]>;
}

/**
 * Finds a pronunciation for every word: custom ones first, then the dictionary, then hyphenated
 * or underscored compounds of dictionary words, then (if allowed) spelling out. Throws
 * `stt_unknown_words` naming every word left over.
 */
export function resolvePronunciations(where: string, words: Iterable<string>, options: ResolveOptions): ResolvedPronunciations {
  const list = [...new Set(words)];
  const lower = (w: string): string => w.toLowerCase();
  const parts = new Set<string>();
  for (const w of list) {
    parts.add(lower(w));
    for (const p of lower(w).split(/[-_]/)) if (p !== '') parts.add(p);
  }
  const known = options.dictionary.lookupMany(parts);
  const all = new Map<string, string[]>();
  const extra = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const word of list) {
    const key = lower(word);
    const custom = options.custom.get(key);
    if (custom !== undefined) {
      all.set(word, [...custom]);
      extra.set(word, [...custom]);
      continue;
    }
    const found = known.get(key);
    if (found !== undefined) {
      all.set(word, found);
      continue;
    }
    const pieces = key.split(/[-_]/).filter((p) => p !== '');
    if (pieces.length > 1 && pieces.every((p) => known.has(p))) {
      const phones = pieces.map((p) => known.get(p)![0]!).join(' ');
      all.set(word, [phones]);
      extra.set(word, [phones]);
      continue;
    }
    const spelled = options.unknownWords === 'spell' ? spellOut(key) : undefined;
    if (spelled !== undefined) {
      all.set(word, [spelled]);
      extra.set(word, [spelled]);
      continue;
    }
    unknown.push(word);
  }
  if (unknown.length > 0) {
    const quoted = unknown.map((w) => `"${w}"`).join(', ');
    throw new SttError(
      'stt_unknown_words',
      `${where} uses ${unknown.length === 1 ? 'a word' : 'words'} the speech recognizer cannot pronounce: ${quoted}. ` +
        `They are not in the pronouncing dictionary (${options.dictionary.path}); give ARPAbet pronunciations ` +
        `(pronunciations: { ${JSON.stringify(lower(unknown[0]!))}: '…' }), use words it knows, or set unknownWords: 'spell' for acronyms`,
      { words: unknown },
    );
  }
  return { all, extra };
}

// ---------- JSGF output ----------

function emit(node: Node, ctx: 'top' | 'seq' | 'atom'): string {
  switch (node.kind) {
    case 'word':
      return node.word;
    case 'ref':
      return `<${node.rule}>`;
    case 'seq': {
      const text = node.items.map((item) => emit(item, 'seq')).join(' ');
      return ctx === 'atom' ? `(${text})` : text;
    }
    case 'alt': {
      const text = node.items.map((item) => emit(item, 'top')).join(' | ');
      return ctx === 'top' ? text : `(${text})`;
    }
    case 'opt':
      return `[${emit(node.item, 'top')}]`;
    case 'repeat': {
      // X X* / [X X*]: the loop never starts at a state other paths leave from (see the module comment).
      const text = `${emit(node.item, 'seq')} ${emit(node.item, 'atom')}*`;
      if (node.min === 0) return `[${text}]`;
      return ctx === 'atom' ? `(${text})` : text;
    }
  }
}

// ---------- reading JSGF ----------

export interface ParsedJsgf {
  /** The grammar name from `grammar name;`. */
  name: string;
  /** Rule names in order, and which are public. */
  rules: string[];
  publicRules: string[];
  /** Every word token (as written), in order of first use. */
  words: string[];
  /** `// @pronounce word PHONES` comments, by lower-case word. */
  pronunciations: Map<string, string[]>;
}

/**
 * Reads the parts of a JSGF grammar the recognizer needs: its words and embedded
 * pronunciations. Checks what pocketsphinx would otherwise reject with an unhelpful message:
 * header, rule syntax, undefined references, no public rule, imports.
 */
export function parseJsgf(jsgf: string, label = 'the grammar'): ParsedJsgf {
  const fail = (message: string): never => {
    throw invalid(`${label}: ${message}`);
  };
  const pronunciations = new Map<string, string[]>();
  // Comments out, @pronounce lines kept.
  let text = '';
  for (let i = 0; i < jsgf.length; ) {
    if (jsgf.startsWith('//', i)) {
      let end = jsgf.indexOf('\n', i);
      if (end < 0) end = jsgf.length;
      const m = /^\/\/\s*@pronounce\s+(\S+)\s+(.+)$/.exec(jsgf.slice(i, end).trim());
      if (m) {
        const word = m[1]!.toLowerCase();
        const phones = normalizePhones(m[1]!, m[2]!);
        pronunciations.set(word, [...(pronunciations.get(word) ?? []), phones]);
      }
      i = end;
    } else if (jsgf.startsWith('/*', i)) {
      const end = jsgf.indexOf('*/', i + 2);
      if (end < 0) fail('a /* comment is never closed');
      text += ' ';
      i = end + 2;
    } else if (jsgf[i] === '"') {
      const end = jsgf.indexOf('"', i + 1);
      if (end < 0) fail('a quoted token is never closed');
      text += jsgf.slice(i, end + 1);
      i = end + 1;
    } else {
      text += jsgf[i];
      i++;
    }
  }
  const header = /^\s*#JSGF\s+V1\.0[^;]*;/.exec(text);
  if (!header) fail('it must start with "#JSGF V1.0;"');
  const statements = splitStatements(text.slice(header![0].length));
  const nameStatement = statements.shift();
  const nameMatch = nameStatement === undefined ? null : /^grammar\s+([A-Za-z_][\w.]*)$/.exec(nameStatement);
  if (!nameMatch) fail('the header must be followed by "grammar <name>;"');
  const rules: string[] = [];
  const publicRules: string[] = [];
  const refs: Array<{ from: string; to: string }> = [];
  const words: string[] = [];
  const seen = new Set<string>();
  for (const statement of statements) {
    if (/^import\b/.test(statement)) fail(`imports are not supported ("${statement}"); put every rule in one grammar`);
    const m = /^(public\s+)?<([^<>\s]+)>\s*=\s*([\s\S]*)$/.exec(statement);
    if (!m) fail(`cannot read the rule "${statement.slice(0, 60)}"`);
    const name = m![2]!;
    rules.push(name);
    if (m![1]) publicRules.push(name);
    const body = m![3]!;
    const tokens = body.match(/"[^"]*"|<[^<>]*>|\{[^}]*\}|\/[^/]*\/|[|()[\]*+]|[^\s|()[\]*+<>{}/"]+/g) ?? [];
    if (tokens.length === 0) fail(`rule <${name}> is empty`);
    const open: string[] = [];
    for (const token of tokens) {
      if (token === '(' || token === '[') open.push(token === '(' ? ')' : ']');
      else if ((token === ')' || token === ']') && open.pop() !== token) fail(`rule <${name}> has an unmatched "${token}"`);
    }
    if (open.length > 0) fail(`rule <${name}> has a "${open.at(-1) === ')' ? '(' : '['}" that is never closed`);
    for (const token of tokens) {
      if (token.startsWith('<')) refs.push({ from: name, to: token.slice(1, -1) });
      else if (/^[|()[\]*+]$/.test(token) || token.startsWith('{') || token.startsWith('/')) continue;
      else {
        const word = token.startsWith('"') ? token.slice(1, -1) : token;
        if (word !== '' && !seen.has(word)) {
          seen.add(word);
          words.push(word);
        }
      }
    }
  }
  if (publicRules.length === 0) fail('it has no public rule');
  const defined = new Set(rules);
  for (const { from, to } of refs) {
    const local = to.includes('.') ? to.slice(to.lastIndexOf('.') + 1) : to;
    if (to !== 'NULL' && to !== 'VOID' && !defined.has(to) && !defined.has(local)) fail(`rule <${from}> refers to <${to}>, which is not defined`);
  }
  return { name: nameMatch![1]!, rules, publicRules, words, pronunciations };
}

function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') throw invalid(`the grammar ends without ";" after "${current.trim().slice(0, 60)}"`);
  return out;
}

/** What a worker needs to load a grammar: its JSGF and a pronunciation for each of its words. */
export interface PreparedGrammar {
  /** Unique per grammar text: `name-<hash>`, the worker's name for it. */
  key: string;
  name: string;
  jsgf: string;
  /** [word, phones] pairs, alternates as `word(2)` after the word itself. */
  entries: Array<[string, string]>;
}

/** Checks a `{ name, jsgf }` grammar (built by defineGrammar or written by hand) and finds its pronunciations. */
export function prepareGrammar(grammar: { name: string; jsgf: string }, dictionary: PronouncingDictionary): PreparedGrammar {
  const label = `grammar "${grammar.name}"`;
  const parsed = parseJsgf(grammar.jsgf, label);
  const { all } = resolvePronunciations(label, parsed.words, {
    dictionary,
    custom: parsed.pronunciations,
    unknownWords: 'error',
  });
  const entries: Array<[string, string]> = [];
  for (const [word, list] of all) {
    list.forEach((phones, i) => entries.push([i === 0 ? word : `${word}(${i + 1})`, phones]));
  }
  const hash = createHash('sha256').update(grammar.name).update('\0').update(grammar.jsgf).digest('hex').slice(0, 16);
  const safeName = grammar.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return { key: `${safeName}-${hash}`, name: grammar.name, jsgf: grammar.jsgf, entries };
}
