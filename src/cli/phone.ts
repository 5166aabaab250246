import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readWav, writeWav } from '../audio/index.js';
import { numberOption, parseCommandLine, processIO, serverUrlOption, UsageError, type CommandIO } from './command.js';
import { describeEnd, TwilioNetwork, TwilioSimError, type CallEnd, type CallEvent, type SimulatedCall } from '../simulators/twilio/index.js';

export const PHONE_USAGE = `Usage: parley phone [options]

Call Parley the way Twilio would, without a phone or a Twilio account: the signed voice webhook,
the media stream in real time (µ-law, 20 ms frames), playback with marks and clears, the status
callbacks, and a local copy of Twilio's REST API for Parley to hang up or transfer the call.

  --url <url>             Parley's public URL, its PUBLIC_URL (default http://localhost:3000)
  --auth-token <token>    the Twilio Auth Token Parley checks signatures with (default
                          $TWILIO_AUTH_TOKEN; required)
  --account-sid <sid>     the account the call belongs to (default $TWILIO_ACCOUNT_SID, else a
                          made-up AC…; Parley's REST calls only work with its own account)
  --from <number>         the caller (default +15550100001)
  --to <number>           the number called (default +15550100000)
  --say <file.wav>        say this recording (any rate, PCM16/µ-law/A-law), in real time; repeat
                          for more turns: each waits until the agent has finished speaking
  --wait-ms <ms>          the longest wait for the agent before each --say (default 15000)
  --digits <keys>         press these keys (0-9, *, #) after the last --say
  --hangup-after-ms <ms>  hang up this long after the call connected (default: once the agent
                          has answered the last step and gone quiet)
  --out <file.wav>        write what the caller heard: 8 kHz PCM16 WAV, time-aligned
  --api-port <port>       the port of the REST API simulator on 127.0.0.1 (default: a free one);
                          Parley must send its Twilio REST calls there to hang up or transfer
  -h, --help              show this help

Prints a timeline: the webhook's answer, the stream, each --say, clears, how the call ended
(hung up by Parley, transferred to a number, or by you), and the marks acknowledged.

Exit status: 0 done, 1 the call failed or Parley broke the protocol (the output says how), 2 bad usage.`;

export class PhoneUsageError extends UsageError {}

export interface PhoneArgs {
  help: boolean;
  url: string;
  authToken: string;
  accountSid?: string;
  from: string;
  to: string;
  say: string[];
  waitMs: number;
  digits?: string;
  hangupAfterMs?: number;
  out?: string;
  apiPort?: number;
}

/** Ctrl-C (`interrupted`) hangs the caller up. */
export type PhoneIO = CommandIO;

/** How long the agent must be quiet, with nothing left to play, to count as finished. */
const QUIET_MS = 1200;

export function parsePhoneArgs(argv: string[], env: NodeJS.ProcessEnv = {}): PhoneArgs {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'auth-token': { type: 'string' },
        'account-sid': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        say: { type: 'string', multiple: true },
        'wait-ms': { type: 'string' },
        digits: { type: 'string' },
        'hangup-after-ms': { type: 'string' },
        out: { type: 'string' },
        'api-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new PhoneUsageError((err as Error).message);
  }
  const help = v.help === true;
  const url = v.url ?? 'http://localhost:3000';
  serverUrlOption(url);
  const authToken = v['auth-token'] ?? env.TWILIO_AUTH_TOKEN ?? '';
  if (!authToken && !help) throw new PhoneUsageError('--auth-token (or $TWILIO_AUTH_TOKEN) is required: the Twilio Auth Token Parley validates signatures with.');
  const accountSid = v['account-sid'] ?? (env.TWILIO_ACCOUNT_SID || undefined);
  if (accountSid !== undefined && !accountSid.startsWith('AC')) throw new PhoneUsageError(`Invalid --account-sid "${accountSid}": Twilio account SIDs start with AC.`);
  if (v.digits !== undefined && !/^[0-9*#]+$/.test(v.digits)) throw new PhoneUsageError(`Invalid --digits "${v.digits}": use the keys 0-9, * and #.`);
  const hangupAfterMs = numberOption('--hangup-after-ms', v['hangup-after-ms'], { min: 1 });
  const apiPort = numberOption('--api-port', v['api-port'], { min: 0 });
  if (apiPort !== undefined && (!Number.isInteger(apiPort) || apiPort > 65535)) throw new PhoneUsageError(`Invalid --api-port "${v['api-port']}": expected a port number.`);
  return {
    help,
    url: url.replace(/\/+$/, ''),
    authToken,
    ...(accountSid !== undefined ? { accountSid } : {}),
    from: v.from ?? '+15550100001',
    to: v.to ?? '+15550100000',
    say: v.say ?? [],
    waitMs: numberOption('--wait-ms', v['wait-ms'], { min: 0 }) ?? 15_000,
    ...(v.digits !== undefined ? { digits: v.digits } : {}),
    ...(hangupAfterMs !== undefined ? { hangupAfterMs } : {}),
    ...(v.out ? { out: v.out } : {}),
    ...(apiPort !== undefined ? { apiPort } : {}),
  };
}

/** `parley phone …`: the exit status (0 done, 1 failure, 2 usage). */
export async function phoneCommand(argv: string[], io: PhoneIO = processIO()): Promise<number> {
  const line = parseCommandLine(io, PHONE_USAGE, () => parsePhoneArgs(argv, io.env));
  return 'exit' in line ? line.exit : phone(line.args, io);
}

async function phone(args: PhoneArgs, io: PhoneIO): Promise<number> {
  // A missing or unreadable recording fails before anyone is called.
  const recordings: { file: string; seconds: number }[] = [];
  for (const file of args.say) {
    try {
      const wav = readWav(readFileSync(file), { mono: true });
      recordings.push({ file, seconds: wav.samples.length / wav.sampleRate });
    } catch (err) {
      io.stderr(`parley phone: cannot use --say ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }

  const t0 = performance.now();
  const line = (text: string): void => io.stdout(`${((performance.now() - t0) / 1000).toFixed(2).padStart(7)}s  ${text}\n`);
  let net: TwilioNetwork;
  try {
    net = await TwilioNetwork.start({ authToken: args.authToken, ...(args.accountSid ? { accountSid: args.accountSid } : {}), ...(args.apiPort !== undefined ? { restPort: args.apiPort } : {}) });
  } catch (err) {
    io.stderr(`parley phone: cannot start the REST API simulator: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout(`Twilio REST API simulator at ${net.restUrl} (account ${net.accountSid}): Parley must use it as its Twilio API URL to hang up or transfer.\n`);
  line(`calling ${args.url}/twilio/voice from ${args.from} to ${args.to}`);

  let call: SimulatedCall;
  let speaking = false;
  try {
    call = await net.call({
      baseUrl: args.url,
      from: args.from,
      to: args.to,
      onEvent: (e: CallEvent) => {
        if (e.type !== 'callback') line(eventText(e));
      },
      onMessage: (m) => {
        if (m.event === 'media' && !speaking) {
          speaking = true;
          line('agent speaking');
        }
        if (m.event === 'clear') speaking = false;
      },
    });
  } catch (err) {
    io.stderr(`parley phone: ${err instanceof TwilioSimError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    await net.close();
    return 1;
  }

  const hangupTimer = args.hangupAfterMs !== undefined ? setTimeout(() => void call.hangUp(), args.hangupAfterMs) : undefined;
  const interrupted = io.interrupted.then(() => {
    line('Ctrl-C: hanging up');
    return call.hangUp();
  });
  interrupted.catch(() => undefined);
  const agentDone = async (): Promise<void> => {
    const r = await agentTurn(call, args.waitMs);
    speaking = false;
    if (r === 'timeout') line(`the agent did not finish within ${args.waitMs} ms: going on`);
    else if (r === 'done') line('agent finished speaking');
  };
  const script = async (): Promise<void> => {
    for (const rec of recordings) {
      await agentDone();
      if (call.finished) return;
      line(`you: ${rec.file} (${rec.seconds.toFixed(1)} s)`);
      await call.playWav(rec.file);
    }
    if (args.digits !== undefined && !call.finished) {
      line(`you press ${args.digits}`);
      await call.pressDigits(args.digits);
    }
    if (args.hangupAfterMs === undefined) {
      await agentDone();
      if (!call.finished) line('you hang up');
      await call.hangUp();
    }
  };
  try {
    await script();
  } catch (err) {
    // The call ending under the script (Parley hung up) is how many calls end, not a failure.
    if (!(err instanceof TwilioSimError && err.code === 'CALL_ENDED')) {
      io.stderr(`parley phone: ${(err as Error).message}\n`);
      await call.hangUp();
    }
  }
  const end = await call.ended;
  clearTimeout(hangupTimer);
  await net.close();
  return report(call, end, args, io);
}

/** Waits for the agent's next words to be played out: 'done', 'timeout' or 'ended'. */
async function agentTurn(call: SimulatedCall, waitMs: number): Promise<'done' | 'timeout' | 'ended'> {
  const deadline = performance.now() + waitMs;
  // Audio already received and still queued counts as the answer (a greeting, say).
  const before = call.agentBytesReceived;
  if (call.queuedAgentMs === 0) {
    while (call.agentBytesReceived === before) {
      if (call.finished) return 'ended';
      if (performance.now() >= deadline) return 'timeout';
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    await call.waitUntilSilent({ quietMs: QUIET_MS, timeoutMs: Math.max(1, deadline - performance.now()) });
    return 'done';
  } catch (err) {
    if (err instanceof TwilioSimError && err.code === 'TIMEOUT') return 'timeout';
    return 'ended';
  }
}

function eventText(e: CallEvent): string {
  if (e.type === 'ended') return `call ended: ${e.detail}`;
  if (e.type === 'error') return `problem: ${e.detail}`;
  return e.detail;
}

function report(call: SimulatedCall, end: CallEnd, args: PhoneArgs, io: PhoneIO): number {
  const discarded = call.marks.filter((m) => m.discarded).length;
  const heard = call.heard();
  io.stdout(
    `\nCall ended: ${describeEnd(end)}. Marks acknowledged: ${call.marks.length}${discarded ? ` (${discarded} discarded by a clear)` : ''}; clears: ${call.clears}; ` +
      `agent audio received: ${(call.agentBytesReceived / 8000).toFixed(1)} s; call length: ${(heard.length / 8000).toFixed(1)} s.\n`,
  );
  let failed = false;
  if (args.out) {
    try {
      writeFileSync(args.out, writeWav({ sampleRate: 8000, channels: 1, samples: call.heardPcm(8000) }));
      io.stdout(`Wrote what you heard to ${args.out} (8 kHz).\n`);
    } catch (err) {
      io.stderr(`parley phone: could not write --out ${args.out}: ${(err as Error).message}\n`);
      failed = true;
    }
  }
  if (call.errors.length > 0) {
    io.stderr(`parley phone: ${call.errors.length} problem(s) on this call:\n${call.errors.slice(0, 20).map((e) => `  - ${e}\n`).join('')}`);
    failed = true;
  }
  // 1000 (normal) or no code at all: a deliberate hang-up. Anything else (1008 policy, 1011…) is a refusal or a crash.
  if (end.closeCode !== undefined && end.closeCode !== 1000 && end.closeCode !== 1005) {
    io.stderr(`parley phone: Parley closed the media stream with code ${end.closeCode}${end.closeReason ? ` (${end.closeReason})` : ''}.\n`);
    failed = true;
  }
  return failed ? 1 : 0;
}
