/** One-line descriptions for timelines and logs. */
import type { CallEnd } from './call-types.js';
import type { Twiml } from './twiml.js';

/** A one-line summary of a TwiML document. */
export function describeTwiml(doc: Twiml): string {
  if (doc.verbs.length === 0) return '(empty)';
  return doc.verbs
    .map((v) => {
      switch (v.verb) {
        case 'Connect':
          return v.stream ? `<Connect><Stream url="${v.stream.url}">` : '<Connect>';
        case 'Say':
          return `<Say>${v.text.slice(0, 40)}</Say>`;
        case 'Dial':
          return `<Dial>${v.number}</Dial>`;
        case 'Redirect':
          return `<Redirect>${v.url}</Redirect>`;
        case 'Unknown':
          return `<${v.name}>`;
        default:
          return `<${v.verb}/>`;
      }
    })
    .join(' ');
}

export function describeEnd(end: CallEnd): string {
  const close = end.closeCode !== undefined ? ` (stream closed with ${end.closeCode}${end.closeReason ? ` "${end.closeReason}"` : ''})` : '';
  if (end.transferredTo !== undefined) return `transferred to ${end.transferredTo}${close}`;
  switch (end.by) {
    case 'caller':
      return 'the caller hung up';
    case 'rest-completed':
      return 'hung up by Parley (REST Status=completed)';
    case 'rest-twiml':
      return `ended by TwiML sent over REST${close}`;
    case 'server-closed':
      return `hung up by Parley${close}`;
    case 'twiml':
      return 'ended by the webhook\'s TwiML (no stream)';
  }
}
