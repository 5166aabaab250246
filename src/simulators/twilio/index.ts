export { TwilioNetwork, type TwilioNetworkOptions } from './network.js';
export { SimulatedCall } from './call.js';
export type { CallEnd, CallEvent, CallEventType, CallOptions, CallSnapshot, EndedBy, ExtraStream } from './call-types.js';
export { describeEnd, describeTwiml } from './describe.js';
export { TwilioSimError, type TwilioSimErrorCode } from './errors.js';
export { PlaybackBuffer, FRAME_BYTES, FRAME_MS, ULAW_SILENCE, type MarkRecord, type PlaybackOptions } from './playback.js';
export { parseTwiml, type Twiml, type TwimlStream, type TwimlVerb, type HttpMethod } from './twiml.js';
export { signedWebhook, twilioSignature, upgradeSignature, type FormParams, type SignedRequest } from './signing.js';
export {
  ServerMessageSchema,
  StartMessageSchema,
  TwilioMessageSchema,
  parseServerMessage,
  type ServerMessage,
  type StartMessage,
  type TwilioMessage,
} from './messages.js';
export type { StreamEnd } from './stream.js';
export { newSid } from './sids.js';
export type { TickStats } from './ticker.js';
