import { findDate, isoDate, type LocalDate } from './dates.js';
import { readDigits } from './numbers.js';
import { findTime, isoTime } from './times.js';
import type { ReceptionistVocabulary } from './vocabulary.js';

export type Intent =
  | 'book'
  | 'check_availability'
  | 'cancel'
  | 'reschedule'
  | 'lookup_order'
  | 'lookup_customer'
  | 'hours'
  | 'human'
  | 'goodbye'
  | 'greeting'
  | 'none';

export interface Slots {
  service?: string;
  staff?: string;
  date?: string; // YYYY-MM-DD
  time?: string; // HH:MM
  orderId?: string;
  phone?: string;
  accountId?: string;
}

export interface Understanding {
  intent: Intent;
  affirm: boolean;
  deny: boolean;
  slots: Slots;
  tokens: string[];
}

/** Lowercase words; "a.m." → "am", digits and clock times kept, other punctuation dropped. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\b([ap])\.?\s?m\b\.?/g, '$1m')
    .replace(/(\d)\s*([ap])m\b/g, '$1$2m')
    .replace(/check up/g, 'check-up')
    .replace(/follow up/g, 'follow-up')
    .replace(/[^a-z0-9:'\- ]+/g, ' ')
    .split(/\s+/)
    .map((t) => t.replace(/^['-]+|['-]+$/g, ''))
    .filter(Boolean);
}

const has = (text: string, re: RegExp): boolean => re.test(text);

/** Intent rules in priority order: the first that matches wins. */
const INTENT_RULES: readonly [Intent, RegExp][] = [
  ['cancel', /\b(cancel|call off)\b/],
  ['reschedule', /\b(reschedule|move|change|push (it|my appointment) back|different (day|time))\b/],
  ['lookup_order', /\b(order|package|delivery|shipment|track)\b/],
  ['human', /\b(human|real person|a person|someone|representative|operator|receptionist|speak to (a|an|the)|talk to (a|an|the))\b/],
  // Before availability: "what are your opening hours" is about hours, not free slots.
  ['hours', /\b(hours|are you open|when (are|do) you (open|close)|what time do you (open|close)|closing time)\b/],
  ['check_availability', /\b(available|availability|free|openings|an opening|slots?|what times are|any times?)\b/],
  ['book', /\b(book|schedule|make an appointment|set up|appointment|come in|i'd like (a|an)|i would like (a|an)|i want (a|an)|i need (a|an))\b/],
  ['lookup_customer', /\b(my account|look me up|on file|my details|my information|my (phone|account) number)\b/],
  ['goodbye', /\b(bye|goodbye|that's all|that is all|nothing else|no thanks|no thank you)\b/],
  ['greeting', /^(hello|hi|hey|good (morning|afternoon|evening))\b/],
];

const AFFIRM = /^(yes|yeah|yep|yup|sure|correct|right|ok|okay|please do|please|sounds good|that's right|that works|perfect|great)\b/;
const DENY = /^(no|nope|not|don't|wrong|actually)\b/;

export function understand(text: string, vocab: ReceptionistVocabulary, base: LocalDate): Understanding {
  const tokens = tokenize(text);
  const joined = tokens.join(' ');
  const slots: Slots = {};
  const service = vocab.services.find((s) => joined.includes(s.toLowerCase()));
  if (service) slots.service = service;
  const staff = vocab.staff.find((s) => joined.includes(s.toLowerCase()) || joined.includes((s.split(' ').at(-1) ?? s).toLowerCase()));
  if (staff) slots.staff = staff;
  const date = findDate(tokens, base);
  if (date) slots.date = isoDate(date);
  const time = findTime(tokens);
  if (time) slots.time = isoTime(time);
  const digits = readDigits(tokens);
  if (digits) {
    if (has(joined, /\baccount number\b/)) slots.accountId = digits;
    else if (has(joined, /\border|package|number\b/) && !has(joined, /\bphone\b/) && digits.length <= 8) slots.orderId = digits;
    else if (digits.length >= 7) slots.phone = digits;
    else slots.orderId = digits;
  }
  let intent: Intent = 'none';
  for (const [name, re] of INTENT_RULES) {
    if (re.test(joined)) {
      intent = name;
      break;
    }
  }
  // "no thanks" is a goodbye, not a correction; a bare "no, Tuesday" is a correction.
  const deny = intent !== 'goodbye' && DENY.test(joined);
  const affirm = !deny && AFFIRM.test(joined);
  return { intent, affirm, deny, slots, tokens };
}
