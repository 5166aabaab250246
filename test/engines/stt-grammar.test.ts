import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PronouncingDictionary,
  SttError,
  defineGrammar,
  oneOf,
  oneOrMore,
  optional,
  parseJsgf,
  prepareGrammar,
  rule,
  seq,
  spellOut,
  zeroOrMore,
} from '../../src/engines/local/stt/index.js';
import { bookingGrammar } from './stt-fixtures.js';

const dictionary = new PronouncingDictionary(
  [
    'yes Y EH S',
    'no N OW',
    'please P L IY Z',
    'call K AO L',
    'me M IY',
    'one W AH N',
    'one(2) HH W AH N',
    'two T UW',
    'follow F AA L OW',
    'up AH P',
    "i'd AY D",
    'a.m. EY EH M',
  ].join('\n') + '\n',
  'test.dict',
);

function sttError(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SttError, `expected an SttError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('defineGrammar', () => {
  test('writes JSGF with the public rule first, words lower-cased', () => {
    const g = defineGrammar(
      { name: 'g', public: 'main', rules: { other: 'no', main: ['Yes [please]', '<other>'] } },
      { dictionary },
    );
    assert.equal(g.name, 'g');
    assert.deepEqual(g.words, ['no', 'please', 'yes']);
    const lines = g.jsgf.trim().split('\n');
    assert.equal(lines[0], '#JSGF V1.0;');
    assert.ok(lines.includes('grammar g;'));
    assert.ok(lines.includes('public <main> = yes [please] | <other>;'));
    assert.ok(lines.includes('<other> = no;'));
    assert.ok(lines.indexOf('public <main> = yes [please] | <other>;') < lines.indexOf('<other> = no;'));
  });

  test('builder helpers and the phrase syntax produce the same grammar', () => {
    const fromHelpers = defineGrammar(
      {
        name: 'g',
        public: 'main',
        rules: {
          main: seq(optional('please'), oneOf('yes', 'no'), zeroOrMore(rule('d')), oneOrMore('two')),
          d: ['one', 'two'],
        },
      },
      { dictionary },
    );
    const fromText = defineGrammar(
      { name: 'g', public: 'main', rules: { main: '[please] (yes | no) <d>* two+', d: 'one | two' } },
      { dictionary },
    );
    assert.equal(fromHelpers.jsgf, fromText.jsgf);
  });

  test('repeats are written as X X* so a loop cannot leak into other alternatives', () => {
    const g = defineGrammar(
      { name: 'g', public: 'main', rules: { main: ['<d>+', 'yes', '(one two)*'], d: ['one', 'two'] } },
      { dictionary },
    );
    assert.match(g.jsgf, /public <main> = <d> <d>\* \| yes \| \[one two \(one two\)\*\];/);
    assert.doesNotMatch(g.jsgf, /\+/);
  });

  test('several public rules become one root', () => {
    const g = defineGrammar({ name: 'g', public: ['a', 'b'], rules: { a: 'yes', b: 'no' } }, { dictionary });
    assert.match(g.jsgf, /public <parley_root> = <a> \| <b>;/);
    assert.equal(parseJsgf(g.jsgf).publicRules.length, 1);
  });

  test('words missing from the dictionary are an error naming each of them', () => {
    assert.throws(
      () => defineGrammar({ name: 'g', public: 'main', rules: { main: 'yes | flurbo | zorblax please' } }, { dictionary }),
      (error) => {
        sttError('stt_unknown_words', /"flurbo", "zorblax"/)(error);
        assert.deepEqual((error as SttError).words, ['flurbo', 'zorblax']);
        return true;
      },
    );
  });

  test('the installed CMUdict rejects a made-up word', () => {
    assert.throws(
      () => defineGrammar({ name: 'g', public: 'main', rules: { main: 'book a consultation with doctor quibblesworth' } }),
      sttError('stt_unknown_words', /"quibblesworth"/),
    );
  });

  test('custom pronunciations fill gaps and travel in the JSGF', () => {
    const g = defineGrammar(
      { name: 'g', public: 'main', rules: { main: 'call parley' }, pronunciations: { Parley: ['P AA1 R L IY0', 'P AA R L EY'] } },
      { dictionary },
    );
    assert.match(g.jsgf, /^\/\/ @pronounce parley P AA R L IY$/m);
    assert.match(g.jsgf, /^\/\/ @pronounce parley P AA R L EY$/m);
    const prepared = prepareGrammar(g, dictionary);
    assert.deepEqual(
      prepared.entries.filter(([w]) => w.startsWith('parley')),
      [
        ['parley', 'P AA R L IY'],
        ['parley(2)', 'P AA R L EY'],
      ],
    );
  });

  test('bad phones are rejected', () => {
    assert.throws(
      () => defineGrammar({ name: 'g', public: 'main', rules: { main: 'parley' }, pronunciations: { parley: 'P QQ R' } }, { dictionary }),
      sttError('stt_grammar_invalid', /QQ/),
    );
  });

  test("unknownWords: 'spell' spells acronyms out; hyphenated compounds of known words need nothing", () => {
    const g = defineGrammar(
      { name: 'g', public: 'main', rules: { main: 'call nhs | follow-up' }, unknownWords: 'spell' },
      { dictionary },
    );
    assert.match(g.jsgf, /^\/\/ @pronounce nhs EH N EY CH EH S$/m);
    assert.match(g.jsgf, /^\/\/ @pronounce follow-up F AA L OW AH P$/m);
    assert.equal(spellOut('B.B.C.'), 'B IY B IY S IY');
  });

  test('structural mistakes are reported with the rule they are in', () => {
    const bad = (rules: Record<string, string | string[]>, pattern: RegExp, pub = 'main'): void => {
      assert.throws(() => defineGrammar({ name: 'g', public: pub, rules }, { dictionary }), sttError('stt_grammar_invalid', pattern));
    };
    bad({ main: 'yes <nope>' }, /<nope> is not defined/);
    bad({ main: 'yes <main>' }, /refer to themselves \(<main> → <main>\)/);
    bad({ main: '<a>', a: 'yes <b>', b: 'no <a>' }, /<a> → <b> → <a>/);
    bad({ main: 'no, yes' }, /rule <main>.*"no,"/);
    bad({ main: '(yes | no' }, /without its "\)"/);
    bad({ main: 'yes |' }, /empty alternative/);
    bad({ main: '* yes' }, /nothing before it/);
    bad({ main: [] }, /empty list of alternatives/);
    bad({ main: 'yes' }, /public rule <other> is not defined/, 'other');
    bad({ 'bad-name': 'yes' }, /rule name "bad-name"/, 'bad-name');
    assert.throws(() => defineGrammar({ name: '1g', public: 'm', rules: { m: 'yes' } }, { dictionary }), sttError('stt_grammar_invalid', /grammar name/));
  });

  test('the booking example grammar builds against CMUdict', () => {
    const g = bookingGrammar();
    assert.ok(g.words.includes("i'd") && g.words.includes('a.m.') && g.words.includes('consultation'));
    assert.match(g.jsgf, /<phone> = \[my number is\] <digit> <digit>\*;/);
  });
});

describe('parseJsgf', () => {
  test('reads words, quoted tokens, tags, weights and comments of hand-written JSGF', () => {
    const parsed = parseJsgf(
      [
        '#JSGF V1.0 UTF-8;',
        '/* a block',
        '   comment with words: banana */',
        '// @pronounce parley P AA R L IY',
        'grammar hand;',
        'public <main> = (yes {tag} | /0.5/ no) <num>* "a.m." ;',
        '<num> = one | two; // trailing comment',
      ].join('\n'),
    );
    assert.equal(parsed.name, 'hand');
    assert.deepEqual(parsed.publicRules, ['main']);
    assert.deepEqual(parsed.words, ['yes', 'no', 'a.m.', 'one', 'two']);
    assert.deepEqual([...parsed.pronunciations], [['parley', ['P AA R L IY']]]);
  });

  test('rejects what pocketsphinx would reject with an unhelpful message', () => {
    assert.throws(() => parseJsgf('grammar x;\npublic <a> = yes;'), sttError('stt_grammar_invalid', /#JSGF V1.0/));
    assert.throws(() => parseJsgf('#JSGF V1.0;\ngrammar x;\n<a> = yes;'), sttError('stt_grammar_invalid', /no public rule/));
    assert.throws(() => parseJsgf('#JSGF V1.0;\ngrammar x;\npublic <a> = <b>;'), sttError('stt_grammar_invalid', /<b>, which is not defined/));
    assert.throws(() => parseJsgf('#JSGF V1.0;\ngrammar x;\nimport <y.*>;\npublic <a> = yes;'), sttError('stt_grammar_invalid', /imports/));
    assert.throws(() => parseJsgf('#JSGF V1.0;\ngrammar x;\npublic <a> = yes'), sttError('stt_grammar_invalid', /without ";"/));
  });

  test('prepareGrammar keys grammars by content and lists alternates after their word', () => {
    const a = prepareGrammar({ name: 'g', jsgf: '#JSGF V1.0;\ngrammar g;\npublic <a> = one two;\n' }, dictionary);
    const b = prepareGrammar({ name: 'g', jsgf: '#JSGF V1.0;\ngrammar g;\npublic <a> = one;\n' }, dictionary);
    assert.notEqual(a.key, b.key);
    assert.match(a.key, /^g-[0-9a-f]{16}$/);
    assert.deepEqual(a.entries, [
      ['one', 'W AH N'],
      ['one(2)', 'HH W AH N'],
      ['two', 'T UW'],
    ]);
    assert.throws(
      () => prepareGrammar({ name: 'g', jsgf: '#JSGF V1.0;\ngrammar g;\npublic <a> = one flurbo;\n' }, dictionary),
      sttError('stt_unknown_words', /grammar "g" uses a word .*"flurbo"/),
    );
  });
});
