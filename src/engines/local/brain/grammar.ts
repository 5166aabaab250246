import { defineGrammar, type Grammar } from '../stt/grammar.js';
import { MONTHS, WEEKDAYS } from './nlu/dates.js';
import { DIGIT_WORDS, ORDINAL_WORDS } from './nlu/numbers.js';
import type { ReceptionistVocabulary } from './nlu/vocabulary.js';

const alt = (words: readonly string[]): string => words.map((w) => w.toLowerCase()).join(' | ');

/**
 * What a caller may say to the receptionist, as a recognition grammar: the
 * brain's intents, with the agent's own services and staff. Constraining
 * the recognizer to these phrases is what makes an offline, weight-free
 * recognizer accurate enough to hold a conversation.
 */
export function receptionistGrammar(vocab: ReceptionistVocabulary): Grammar {
  return defineGrammar({
    name: 'receptionist',
    public: 'utterance',
    rules: {
      utterance: ['<book>', '<check>', '<cancel>', '<reschedule>', '<order>', '<customer>', '<hours>', '<human>', '<bye>', '<greeting>', '<answer>'],
      polite: "please | yes please | hi | hello | um",
      want: "i'd like to | i would like to | i want to | i need to | can i | could i | let me",
      book: "[<polite>] <want> (book | schedule | make) <what> [<when>] | [<polite>] (book | schedule) <what> [<when>] | [<polite>] i need (a | an) <service> [<when>]",
      what: "(a | an) (appointment | <service>) [for (a | an) <service>] [with <staff>] | an appointment",
      check: "(is there | do you have) (anything | any time | a slot | an opening | any openings) (available | free) [<when>] [for (a | an) <service>] | what times are (available | free) [<when>] | are you free [<when>]",
      cancel: "[<polite>] [<want>] cancel my appointment [<when>] | [<polite>] please cancel my appointment [<when>]",
      reschedule: "[<polite>] [<want>] (reschedule | move) my appointment [to <when>]",
      order: "(where is | what's the status of | can you check) my order [number <digits>] | my order number is <digits> | order [number] <digits>",
      customer: "look me up | can you find my account | my (phone | account) number is <digits>",
      hours: "when are you open | what are your [opening] hours | are you open (today | tomorrow | on <weekday>)",
      human: "[<want>] (talk | speak) to (a person | a human | someone | a real person | the receptionist)",
      bye: "bye | goodbye | that's all | that's all thanks | that's all thank you | no thanks | no thank you | thank you bye",
      greeting: "hello | hi | hey | good morning | good afternoon",
      answer: ["<yes>", 'no', 'no <when>', 'no <time>', 'no <day>', '<when>', '(a | an) <service>', '<service>', '<digits>'],
      yes: "yes | yeah | yes please | sure | correct | that's right | okay | sounds good | perfect",
      when: ['<day> [at <time>]', 'at <time> [<day>]', '<time>', 'on <day> [at <time>]'],
      day: ['today', 'tomorrow', 'the day after tomorrow', '[next | this] <weekday>', 'next week <weekday>', '<month> [the] <ordinal>', 'the <ordinal> [of <month>]'],
      weekday: alt(WEEKDAYS),
      month: alt(MONTHS),
      ordinal: [alt(ORDINAL_WORDS), `twenty (${alt(ORDINAL_WORDS.slice(0, 9))})`, 'thirty first'],
      time: ['<hour> [<minute>] [<meridiem>]', "<hour> o'clock [<meridiem>]", 'noon', '(half | quarter) past <hour> [<meridiem>]', 'quarter to <hour> [<meridiem>]'],
      hour: 'one | two | three | four | five | six | seven | eight | nine | ten | eleven | twelve',
      minute: 'oh five | fifteen | thirty | forty five | ten | twenty | forty | fifty',
      meridiem: 'a.m. | p.m. | in the morning | in the afternoon',
      // At least three digits: short bursts of noise otherwise decode as a digit or two.
      digits: '<digit> <digit> <digit> <digit>*',
      digit: `${alt(DIGIT_WORDS)} | oh`,
      service: alt(vocab.services),
      staff: alt(vocab.staff),
    },
  });
}
