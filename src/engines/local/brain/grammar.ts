import { defineGrammar, type Grammar } from '../stt/grammar.js';
import { MONTHS, WEEKDAYS } from './nlu/dates.js';
import { DIGIT_WORDS, ORDINAL_WORDS } from './nlu/numbers.js';
import type { ReceptionistVocabulary } from './nlu/vocabulary.js';
import type { Listening } from './receptionist.js';

const alt = (words: readonly string[]): string => words.map((w) => w.toLowerCase()).join(' | ');
const HOUR_WORDS = ['twelve', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'] as const;

/** What the caller is expected to say next, coarsely: each kind is one grammar. */
type Expectation = 'opening' | 'follow_up' | 'service' | 'date' | 'time' | 'phone' | 'order_id';

function expectation(l: Listening): Expectation {
  if (l.awaiting === 'service' || l.awaiting === 'date' || l.awaiting === 'time' || l.awaiting === 'phone' || l.awaiting === 'order_id') return l.awaiting;
  return l.inTask || l.justBooked ? 'follow_up' : 'opening';
}

/** Bare answers heard at each point: none at the opening; after a question, the kind it asks for. */
const ANSWERS: Record<Expectation, readonly string[]> = {
  opening: [],
  follow_up: ['<yes>', 'no', 'no <when>', '<when>', '(a | an) <service>', '<service>'],
  service: ['(a | an) <service> [<when>]', '<service>', 'no'],
  date: ['<when>', 'no', 'no <when>'],
  time: ['[at] <time> [<day>]', '<day> at <time>', 'no', 'no <when>', '<yes>'],
  // Exact lengths (7 or 10 digits for a phone) were tried: one digit heard twice then
  // leaves no path through the grammar and the whole answer is lost.
  phone: ['<digits>', 'no'],
  order_id: ['<digits>', 'no'],
};

/**
 * a.m. and p.m. hours a caller can ask for: the business's appointment hours, one hour
 * either side. "Five a.m." is not a time a clinic books, and keeping it out of the grammar
 * is what stops "nine a.m." being heard as "five a.m.".
 */
function meridiemHours(vocab: ReceptionistVocabulary): { am: string[]; pm: string[] } {
  const from = Math.max(0, vocab.appointmentHours.first - 1);
  const to = Math.min(23, vocab.appointmentHours.last + 1);
  const am: string[] = [];
  const pm: string[] = [];
  for (let h = from; h <= to; h++) (h < 12 ? am : pm).push(HOUR_WORDS[h % 12]!);
  return { am, pm };
}

/**
 * What a caller may say to the receptionist, as a recognition grammar: the brain's intents,
 * with the agent's own services and staff, narrowed to what fits the moment. Bare answers
 * (a day, a service, "yes", "no, Tuesday") are only heard once a task is under way, of the kind
 * the agent just asked for, and bare digits only after it asked for a number: an offline
 * recognizer constrained to fewer phrases confuses fewer of them, and noise that used to
 * decode as a string of digits at the start of a call no longer can.
 */
export function receptionistGrammar(vocab: ReceptionistVocabulary, listening: Listening = { awaiting: null, inTask: false, justBooked: false }): Grammar {
  const expect = expectation(listening);
  const { am, pm } = meridiemHours(vocab);
  return defineGrammar({
    name: `receptionist_${expect}`,
    public: 'utterance',
    rules: {
      utterance: ['<book>', '<check>', '<cancel>', '<reschedule>', '<order>', '<customer>', '<hours>', '<human>', '<bye>', '<greeting>', ...ANSWERS[expect]],
      polite: 'please | yes please | hi | hello | um',
      want: "i'd like to | i would like to | i want to | i need to | can i | could i | let me",
      book: "[<polite>] <want> (book | schedule | make) <what> [<when>] | [<polite>] (book | schedule) <what> [<when>] | [<polite>] i need (a | an) <service> [<when>]",
      what: '(a | an) (appointment | <service>) [for (a | an) <service>] [with <staff>] | an appointment',
      check: '(is there | do you have) (anything | any time | a slot | an opening | any openings) (available | free) [<when>] [for (a | an) <service>] | what times are (available | free) [<when>] | are you free [<when>]',
      cancel: '[<polite>] [<want>] cancel my appointment [<when>] | [<polite>] please cancel my appointment [<when>]',
      reschedule: '[<polite>] [<want>] (reschedule | move) my appointment [to <when>]',
      order: "(where is | what's the status of | can you check) my order [number <digits>] | my order number is <digits> | order [number] <digits>",
      customer: 'look me up | can you find my account | my phone number is <digits> | my account number is <digits>',
      hours: 'when are you open | what are your [opening] hours | are you open (today | tomorrow | on <weekday>)',
      human: '[<want>] (talk | speak) to (a person | a human | someone | a real person | the receptionist)',
      bye: "bye | goodbye | that's all | that's all thanks | that's all thank you | no thanks | no thank you | thank you bye",
      greeting: 'hello | hi | hey | good morning | good afternoon',
      yes: "yes | yeah | yes please | sure | correct | that's right | okay | sounds good | perfect",
      // A time before the day only with a day that cannot pass for a time: "at two the eighth"
      // was the commonest way noise turned "next Tuesday" into something else.
      // Nobody says "on today": after "on" only a named day, which keeps "on Tuesday" from
      // turning into "on today" on a telephone line.
      when: ['<day> [at <time>]', 'at <time> [today | tomorrow | on <weekday>]', '<time>', 'on <named_day> [at <time>]'],
      day: ['today', 'tomorrow', 'the day after tomorrow', '<named_day>'],
      named_day: ['[next | this] <weekday>', 'next week <weekday>', '<month> [the] <ordinal>', 'the <ordinal> [of <month>]'],
      weekday: alt(WEEKDAYS),
      month: alt(MONTHS),
      ordinal: [alt(ORDINAL_WORDS), `twenty (${alt(ORDINAL_WORDS.slice(0, 9))})`, 'thirty first'],
      time: ['<hour> [<minute>]', "<hour> o'clock", '<am_hour> [<minute>] <am>', '<pm_hour> [<minute>] <pm>', "<am_hour> o'clock <am>", "<pm_hour> o'clock <pm>", 'noon', '(half | quarter) past <hour> [<am> | <pm>]', 'quarter to <hour> [<am> | <pm>]'],
      hour: alt(HOUR_WORDS),
      am_hour: alt(am),
      pm_hour: alt(pm),
      minute: 'oh five | fifteen | thirty | forty five | ten | twenty | forty | fifty',
      am: 'a.m. | in the morning',
      pm: 'p.m. | in the afternoon',
      // At least three digits: short bursts of noise otherwise decode as a digit or two.
      digits: '<digit> <digit> <digit> <digit>*',
      digit: `${alt(DIGIT_WORDS)} | oh`,
      service: alt(vocab.services),
      staff: alt(vocab.staff),
    },
  });
}

/** The receptionist grammar for each moment of a call, each built once. */
export function receptionistGrammars(vocab: ReceptionistVocabulary): (listening: Listening) => Grammar {
  const built = new Map<Expectation, Grammar>();
  return (listening) => {
    const key = expectation(listening);
    let g = built.get(key);
    if (!g) built.set(key, (g = receptionistGrammar(vocab, listening)));
    return g;
  };
}

/**
 * The receptionist grammars of every business vocabulary in use (one per agent, in practice),
 * each built once. Keyed by content: agents' vocabularies are fresh objects per session.
 */
export function grammarsByVocabulary(): (listening: Listening, vocab: ReceptionistVocabulary) => Grammar {
  const byVocabulary = new Map<string, (listening: Listening) => Grammar>();
  return (listening, vocab) => {
    const key = JSON.stringify(vocab);
    let grammars = byVocabulary.get(key);
    if (!grammars) byVocabulary.set(key, (grammars = receptionistGrammars(vocab)));
    return grammars(listening);
  };
}
