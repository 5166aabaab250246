/**
 * Parses the TwiML an application answers with into the verbs the simulator acts on. Verbs it does
 * not simulate are kept as `Unknown` (name, attributes, text) so a test can still see them.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TwilioSimError } from './errors.js';

export type HttpMethod = 'GET' | 'POST';

export interface TwimlStream {
  /** As written in the TwiML; the call resolves it against the webhook URL. */
  url: string;
  name?: string;
  track?: string;
  statusCallback?: string;
  statusCallbackMethod: HttpMethod;
  /** The `<Parameter name value/>` children, delivered in `start.customParameters`. */
  parameters: Record<string, string>;
}

export type TwimlVerb =
  | { verb: 'Connect'; action?: string; method: HttpMethod; stream?: TwimlStream; attributes: Record<string, string> }
  | { verb: 'Say'; text: string; attributes: Record<string, string> }
  | { verb: 'Dial'; number: string; attributes: Record<string, string> }
  | { verb: 'Hangup' }
  | { verb: 'Reject'; reason?: string }
  | { verb: 'Redirect'; url: string; method: HttpMethod }
  | { verb: 'Pause'; lengthS: number }
  | { verb: 'Unknown'; name: string; attributes: Record<string, string>; text: string };

export interface Twiml {
  verbs: TwimlVerb[];
}

/** fast-xml-parser's ordered form: one key (the tag or `#text`) plus `:@` for attributes. */
type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

/** `''` (an empty answer) is an empty document: the call has nothing left to do and hangs up. */
export function parseTwiml(xml: string): Twiml {
  if (xml.trim() === '') return { verbs: [] };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new TwilioSimError('TWIML_INVALID', `the TwiML is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}); Twilio would answer the call with "an application error has occurred"`);
  }
  const nodes = parser.parse(xml) as OrderedNode[];
  const root = nodes.find((n) => tagOf(n) !== undefined && tagOf(n) !== '?xml');
  if (root === undefined || tagOf(root) !== 'Response') {
    throw new TwilioSimError('TWIML_INVALID', `TwiML must have <Response> as its root element, found ${root ? `<${tagOf(root)}>` : 'none'}`);
  }
  return { verbs: childrenOf(root).filter((n) => tagOf(n) !== undefined).map(toVerb) };
}

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  const children = tag === undefined ? undefined : node[tag];
  return Array.isArray(children) ? (children as OrderedNode[]) : [];
}

function attrsOf(node: OrderedNode): Record<string, string> {
  return { ...(node[':@'] ?? {}) };
}

/** The concatenated text of a node and its descendants. */
function textOf(node: OrderedNode): string {
  return childrenOf(node)
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : textOf(c)))
    .join('')
    .trim();
}

const methodOf = (value: string | undefined): HttpMethod => (value?.toUpperCase() === 'GET' ? 'GET' : 'POST');

function toVerb(node: OrderedNode): TwimlVerb {
  const name = tagOf(node)!;
  const attributes = attrsOf(node);
  switch (name) {
    case 'Connect': {
      const streamNode = childrenOf(node).find((c) => tagOf(c) === 'Stream');
      return {
        verb: 'Connect',
        ...(attributes.action !== undefined ? { action: attributes.action } : {}),
        method: methodOf(attributes.method),
        ...(streamNode ? { stream: toStream(streamNode) } : {}),
        attributes,
      };
    }
    case 'Say':
      return { verb: 'Say', text: textOf(node), attributes };
    case 'Dial':
      // `<Dial>+1…</Dial>` or `<Dial><Number>+1…</Number></Dial>` (also <Sip>/<Client>: their text).
      return { verb: 'Dial', number: textOf(node), attributes };
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Reject':
      return { verb: 'Reject', ...(attributes.reason !== undefined ? { reason: attributes.reason } : {}) };
    case 'Redirect':
      return { verb: 'Redirect', url: textOf(node), method: methodOf(attributes.method) };
    case 'Pause': {
      const length = Number(attributes.length ?? '1');
      return { verb: 'Pause', lengthS: Number.isFinite(length) && length >= 0 ? length : 1 };
    }
    default:
      return { verb: 'Unknown', name, attributes, text: textOf(node) };
  }
}

function toStream(node: OrderedNode): TwimlStream {
  const a = attrsOf(node);
  const parameters: Record<string, string> = {};
  for (const p of childrenOf(node)) {
    if (tagOf(p) !== 'Parameter') continue;
    const { name, value } = attrsOf(p);
    if (name !== undefined) parameters[name] = value ?? '';
  }
  return {
    url: a.url ?? '',
    ...(a.name !== undefined ? { name: a.name } : {}),
    ...(a.track !== undefined ? { track: a.track } : {}),
    ...(a.statusCallback !== undefined ? { statusCallback: a.statusCallback } : {}),
    statusCallbackMethod: methodOf(a.statusCallbackMethod),
    parameters,
  };
}
