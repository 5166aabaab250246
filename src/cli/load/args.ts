import { parseArgs } from 'node:util';
import { numberOption, serverUrlOption, UsageError } from '../command.js';

export const DEFAULT_SENTENCE = 'What are your opening hours?';

export const LOAD_USAGE = `Usage: parley load [options]

Loads a Parley server with simulated callers who talk at real-time pace, and reports what they
went through. Each caller connects, waits for the agent's greeting, says its utterance --turns
times (in 20 ms frames, then silence: the server's turn detection decides when it has finished),
listens to each answer to its end, and hangs up.

  --url <url>               the server (default $PARLEY_URL, else http://localhost:3000)
  --transport <ws|twilio>   ws (default): Realtime clients on /v1/realtime, PCM16 24 kHz;
                            twilio: phone calls through the Twilio simulator (µ-law 8 kHz): the
                            server needs TWILIO_AUTH_TOKEN and PUBLIC_URL equal to --url
  --callers <n>             callers in all (default 1)
  --ramp-ms <ms>            between two callers' starts (default 1000)
  --turns <k>               utterances per caller (default 1)
  --duration-s <s>          stop after this long: callers still on the line hang up and count
                            as cut, not failed (default: when every caller is done)
  --timeout-s <s>           the longest wait for set-up, for an answer to start and to end (default 30)
  --pause-ms <ms>           after an answer has played, before the next utterance (default 500)
  --say <file.wav>          what every caller says (any rate, PCM16/µ-law/A-law); default: the
                            --sentence spoken by espeak-ng
  --sentence <text>         the sentence synthesized when there is no --say
                            (default "${DEFAULT_SENTENCE}")
  --agent <name>            ws: the agent to call (default: the server's default agent)
  --key <key>               ws: an API key (default $PARLEY_KEY); without one, callers use a public
                            agent and meet the per-address limits (PARLEY_CONCURRENT_SESSIONS_PER_IP…)
  --twilio-auth-token <t>   twilio: the Auth Token the server validates (default $TWILIO_AUTH_TOKEN)
  --twilio-account-sid <s>  twilio: the account (default $TWILIO_ACCOUNT_SID, else a made-up AC…)
  --to <number>             twilio: the number called (default +15550100000)
  --json                    print the report as JSON, every caller's figures included
  -h, --help                show this help

Measured (ms; p50/p95/p99/max over every caller):
  setup           connect → session.created (ws); webhook → stream started (twilio)
  greeting        connect → the greeting's first audio
  voice-to-voice  the caller's end of speech (the 20 ms frame holding its last sound is sent)
                  → the answer's first audio; includes the server's end-of-turn silence
  answer          length of the agent's answer (audio ms)
  frame lateness  each 20 ms frame of agent audio (split by byte count): how long after its
                  play-out time it arrived, play-out starting with the response's first frame
                  and running at real time — the gap a caller's player would suffer (0 when early)
  gaps            the silences a player that plays each frame as soon as it is there would
                  insert (a sender that stalls, then goes on at real time, makes one gap but
                  leaves every later frame late)
  send lateness   how late the load tool's own 20 ms ticks ran: if it is high, the run measured
                  this machine's load tool, not the server

Exit status: 0 every caller succeeded, 1 some failed (refused, set-up failed, closed early, an
error event, no answer in time; the report counts them by reason), 2 bad usage.`;

export class LoadUsageError extends UsageError {}

export type LoadTransport = 'ws' | 'twilio';

export interface LoadArgs {
  help: boolean;
  /** The server's http(s) base URL, no trailing slash. */
  url: string;
  transport: LoadTransport;
  callers: number;
  rampMs: number;
  turns: number;
  durationS?: number;
  timeoutS: number;
  pauseMs: number;
  say?: string;
  sentence: string;
  agent?: string;
  key?: string;
  twilioAuthToken?: string;
  twilioAccountSid?: string;
  to: string;
  json: boolean;
}

export function parseLoadArgs(argv: string[], env: NodeJS.ProcessEnv = {}): LoadArgs {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        transport: { type: 'string' },
        callers: { type: 'string' },
        'ramp-ms': { type: 'string' },
        turns: { type: 'string' },
        'duration-s': { type: 'string' },
        'timeout-s': { type: 'string' },
        'pause-ms': { type: 'string' },
        say: { type: 'string' },
        sentence: { type: 'string' },
        agent: { type: 'string' },
        key: { type: 'string' },
        'twilio-auth-token': { type: 'string' },
        'twilio-account-sid': { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new LoadUsageError((err as Error).message);
  }
  const help = v.help === true;
  const url = v.url ?? (env.PARLEY_URL || 'http://localhost:3000');
  serverUrlOption(url);
  const transport = v.transport ?? 'ws';
  if (transport !== 'ws' && transport !== 'twilio') throw new LoadUsageError(`Invalid --transport "${transport}": use ws or twilio.`);
  const twilioAuthToken = v['twilio-auth-token'] ?? (env.TWILIO_AUTH_TOKEN || undefined);
  if (transport === 'twilio' && !twilioAuthToken && !help) throw new LoadUsageError('--transport twilio needs --twilio-auth-token (or $TWILIO_AUTH_TOKEN): the Auth Token the server validates signatures with.');
  const twilioAccountSid = v['twilio-account-sid'] ?? (env.TWILIO_ACCOUNT_SID || undefined);
  if (twilioAccountSid !== undefined && !twilioAccountSid.startsWith('AC')) throw new LoadUsageError(`Invalid --twilio-account-sid "${twilioAccountSid}": Twilio account SIDs start with AC.`);
  const to = v.to ?? '+15550100000';
  if (!/^\+[1-9]\d{6,14}$/.test(to)) throw new LoadUsageError(`Invalid --to "${to}": expected a phone number in E.164 form, e.g. +15550100000.`);
  const sentence = v.sentence ?? DEFAULT_SENTENCE;
  if (sentence.trim() === '') throw new LoadUsageError('--sentence is empty: give the words the callers say.');
  if (v.say !== undefined && v.sentence !== undefined) throw new LoadUsageError('Give --say (a recording) or --sentence (words to synthesize), not both.');
  const key = v.key ?? (env.PARLEY_KEY || undefined);
  const durationS = numberOption('--duration-s', v['duration-s'], { min: 1 });
  return {
    help,
    url: url.replace(/\/+$/, ''),
    transport,
    callers: numberOption('--callers', v.callers, { min: 1, max: 100_000, integer: true }) ?? 1,
    rampMs: numberOption('--ramp-ms', v['ramp-ms'], { min: 0, max: 3_600_000 }) ?? 1000,
    turns: numberOption('--turns', v.turns, { min: 1, max: 1000, integer: true }) ?? 1,
    ...(durationS !== undefined ? { durationS } : {}),
    timeoutS: numberOption('--timeout-s', v['timeout-s'], { min: 1, max: 3600 }) ?? 30,
    pauseMs: numberOption('--pause-ms', v['pause-ms'], { min: 0, max: 600_000 }) ?? 500,
    ...(v.say !== undefined ? { say: v.say } : {}),
    sentence,
    ...(v.agent !== undefined ? { agent: v.agent } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(twilioAuthToken !== undefined ? { twilioAuthToken } : {}),
    ...(twilioAccountSid !== undefined ? { twilioAccountSid } : {}),
    to,
    json: v.json === true,
  };
}
