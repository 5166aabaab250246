import twilio from 'twilio';

/*
 * The TwiML Parley answers Twilio with, built by the SDK (escaping, attribute names).
 */

export interface StreamTwiml {
  /** `wss://…/twilio/media-stream`. */
  streamUrl: string;
  /** Requested by Twilio when the stream ends; its answer says how the call goes on (hang up, transfer). */
  actionUrl: string;
  /** Stream lifecycle callbacks (started, stopped, error). */
  statusCallbackUrl: string;
  /** Delivered in the stream's `start` message as `customParameters`. */
  parameters: Record<string, string>;
}

/** Connects the call to a bidirectional media stream. */
export function connectStreamTwiml(s: StreamTwiml): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect({ action: s.actionUrl, method: 'POST' }).stream({ url: s.streamUrl, statusCallback: s.statusCallbackUrl, statusCallbackMethod: 'POST' });
  for (const [name, value] of Object.entries(s.parameters)) stream.parameter({ name, value });
  return response.toString();
}

/** Connects the caller to a person (or a queue's number). */
export function dialTwiml(number: string, announce?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (announce) response.say(announce);
  response.dial(number);
  return response.toString();
}

/** Ends the call, after `words` if given (what a caller hears when Parley cannot take the call). */
export function hangupTwiml(words?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (words) response.say(words);
  response.hangup();
  return response.toString();
}
