/**
 * `parley load`: N simulated callers at real-time pace against a Parley server, over its
 * WebSocket (`/v1/realtime`) or as phone calls through the Twilio simulator, and a report of
 * what they went through. Usage and the metrics' definitions: LOAD_USAGE (args.ts).
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { TwilioNetwork } from '../../simulators/twilio/index.js';
import { parseCommandLine, processIO, type CommandIO } from '../command.js';
import { LOAD_USAGE, parseLoadArgs, type LoadArgs } from './args.js';
import { environment } from './environment.js';
import { FrameClock } from './frame-clock.js';
import { Samples } from './percentiles.js';
import { buildReport, callerReports, formatReport, type LoadReport } from './report.js';
import type { CallerResult } from './results.js';
import { TwilioCaller } from './twilio-caller.js';
import { loadWavUtterance, phoneParts, synthesizeUtterance, wsFrames, type Utterance } from './utterance.js';
import { pause } from './wait.js';
import { WsCaller } from './ws-caller.js';

export { LOAD_USAGE, parseLoadArgs, type LoadArgs } from './args.js';
export type { LoadReport } from './report.js';

/** Progress on stderr this often (callers on the line, done, failed). */
const PROGRESS_MS = 5000;

/** `parley load …`: the exit status (0 every caller succeeded, 1 some failed or the run could not start, 2 usage). */
export async function loadCommand(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const line = parseCommandLine(io, LOAD_USAGE, () => parseLoadArgs(argv, io.env));
  if ('exit' in line) return line.exit;
  let report: LoadReport;
  try {
    report = await runLoad(line.args, io);
  } catch (err) {
    io.stderr(`parley load: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout(line.args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.outcome.failed > 0 ? 1 : 0;
}

export async function runLoad(args: LoadArgs, io: CommandIO): Promise<LoadReport> {
  const utterance: Utterance = args.say !== undefined ? loadWavUtterance(args.say) : await synthesizeUtterance(args.sentence);
  const stop = new AbortController();
  // Every caller waits on it, hundreds at once.
  setMaxListeners(0, stop.signal);
  const cap = args.durationS !== undefined ? setTimeout(() => stop.abort(), args.durationS * 1000) : undefined;
  void io.interrupted.then(() => {
    io.stderr('parley load: interrupted; hanging up\n');
    stop.abort();
  });

  const clock = new FrameClock();
  const sendLateness = new Samples();
  const base = new URL(args.url);
  const timeoutMs = args.timeoutS * 1000;
  const net = args.transport === 'twilio' ? await TwilioNetwork.start({ authToken: args.twilioAuthToken!, ...(args.twilioAccountSid ? { accountSid: args.twilioAccountSid } : {}) }) : null;
  const frames = args.transport === 'ws' ? wsFrames(utterance) : null;
  const phone = phoneParts(utterance);
  const common = { turns: args.turns, timeoutMs, pauseMs: args.pauseMs, stop: stop.signal };

  const startedAt = new Date();
  const t0 = performance.now();
  let live = 0;
  const results: CallerResult[] = [];
  const progress = setInterval(() => {
    const failed = results.filter((r) => r.failures.length > 0).length;
    io.stderr(`parley load: ${((performance.now() - t0) / 1000).toFixed(0)} s: ${live} on the line, ${results.length} done (${failed} failed) of ${args.callers}\n`);
  }, PROGRESS_MS);
  progress.unref();

  clock.start();
  const running: Promise<void>[] = [];
  try {
    for (let i = 0; i < args.callers; i++) {
      if (i > 0) {
        try {
          await pause(Math.max(0, t0 + i * args.rampMs - performance.now()), stop.signal);
        } catch {
          break; // stopped during the ramp: the rest are not started
        }
      }
      if (stop.signal.aborted) break;
      const caller = net
        ? new TwilioCaller({ index: i, net, baseUrl: args.url, to: args.to, speech: phone.speech, rest: phone.rest, rate: utterance.rate, ...common })
        : new WsCaller({ index: i, base, ...(args.agent ? { agent: args.agent } : {}), ...(args.key ? { key: args.key } : {}), clock, frames: frames!, sendLateness, ...common });
      live++;
      running.push(
        caller.run().then((r) => {
          live--;
          results.push(r);
        }),
      );
    }
    await Promise.all(running);
  } finally {
    clearTimeout(cap);
    clearInterval(progress);
    clock.stop();
    await net?.close();
  }
  // The Twilio simulator sends from its own ticker; the frame clock ran beside it as a probe of this process's timeliness.
  if (net) sendLateness.pushAll(clock.lateness);
  results.sort((a, b) => a.index - b.index);
  const report = buildReport({
    args,
    utterance: { source: utterance.source, speechMs: utterance.speechEndMs },
    startedAt,
    durationMs: performance.now() - t0,
    environment: environment(),
    results,
    sendLateness,
    ...(net ? { twilioTicks: { ...net.tickStats } } : {}),
  });
  if (args.json) report.callerResults = callerReports(results);
  return report;
}
