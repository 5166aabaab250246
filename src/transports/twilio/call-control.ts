import type { Logger } from 'pino';
import type twilio from 'twilio';
import { outcomeTwiml, type CallOutcome } from './outcome.js';

/**
 * Carries out a call's outcome through the REST API when credentials are configured: at once,
 * and the stream then stops (Twilio sends `stop`). Without them — or when the API fails —
 * the call closes its stream and Twilio asks the `<Connect action>` URL what comes next, which
 * answers the same outcome from the session's record.
 */
export class CallControl {
  constructor(
    private readonly rest: twilio.Twilio | null,
    private readonly logger: Logger,
  ) {}

  /** True when done through the REST API; false when the stream must be closed for TwiML to take over. */
  async carryOut(callSid: string, outcome: CallOutcome): Promise<boolean> {
    if (!this.rest) return false;
    try {
      const plainHangup = outcome.kind === 'hangup' && !outcome.words;
      await this.rest.calls(callSid).update(plainHangup ? { status: 'completed' } : { twiml: outcomeTwiml(outcome) });
      return true;
    } catch (err) {
      this.logger.warn({ err, call_sid: callSid, outcome: outcome.kind }, 'the Twilio REST API refused the call update; ending the stream instead (TwiML carries it out)');
      return false;
    }
  }
}
