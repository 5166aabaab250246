/** The load run's report: per-metric percentiles over every caller, failures by reason, the load tool's own health. */
import type { LoadArgs } from './args.js';
import type { Environment } from './environment.js';
import { Samples, summarize, type Summary } from './percentiles.js';
import { FAILURE_REASONS, type CallerResult, type Failure, type FailureReason, type TurnFigures } from './results.js';

/** Send lateness p99 above this (half a frame): the load tool could not keep time, and the run measured it too. */
export const GENERATOR_LATE_P99_MS = 10;

/** A caller's result as the JSON report gives it: its samples summed up. */
export type CallerReport = Omit<CallerResult, 'lateness' | 'gaps'> & { frameLatenessMs: { p99: number; max: number } | null };

export interface LoadReport {
  url: string;
  transport: LoadArgs['transport'];
  agent: string | null;
  callers: number;
  /** Callers that were started (fewer when the run was stopped during the ramp). */
  started: number;
  rampMs: number;
  turns: number;
  timeoutS: number;
  durationCapS: number | null;
  utterance: { source: string; speechMs: number };
  startedAt: string;
  durationMs: number;
  environment: Environment;
  outcome: { succeeded: number; failed: number; cut: number; notStarted: number };
  /** Failed callers by the reason of their first failure. */
  failures: Record<FailureReason, number>;
  /** The first few failures, each with its caller. */
  failureExamples: (Failure & { caller: number })[];
  metrics: {
    setupMs: Summary | null;
    greetingMs: Summary | null;
    voiceToVoiceMs: Summary | null;
    answerMs: Summary | null;
    frameLatenessMs: Summary | null;
    /** Each silence a gap-filling player would have inserted into the agent's audio (see PlayoutMeter). */
    gapMs: Summary | null;
    sendLatenessMs: Summary | null;
  };
  frames: { received: number; lateOver20Ms: number; lateOver100Ms: number; gaps: number; gapsTotalMs: number };
  /** Turns whose answer began before the caller's speech had ended (the utterance was split). */
  answeredEarly: number;
  /** ws: what the agent answered, and how often (a recognizer that gives out under load answers "Sorry, I didn't catch that"). */
  answers: Record<string, number>;
  generator: {
    /** The load tool's 20 ms ticks: how late they fired (ws: every frame sent; twilio: a probe beside the simulator's ticker). */
    sendLatenessMs: Summary | null;
    /** Twilio: the simulator's own ticker (late: more than 10 ms behind; informative). */
    twilioTicks?: { ticks: number; late: number; maxLateMs: number };
    /** Twilio: caller frames dropped because the load tool stalled. */
    framesLost?: number;
    overloaded: boolean;
    warning: string | null;
  };
  callerResults?: CallerReport[];
}

export interface ReportInput {
  args: LoadArgs;
  utterance: { source: string; speechMs: number };
  startedAt: Date;
  durationMs: number;
  environment: Environment;
  results: CallerResult[];
  sendLateness: Samples;
  twilioTicks?: { ticks: number; late: number; maxLateMs: number };
}

export function buildReport(input: ReportInput): LoadReport {
  const { args, results } = input;
  const failed = results.filter((r) => r.failures.length > 0);
  const failures = Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>;
  for (const r of failed) failures[r.failures[0]!.reason]++;
  const lateness = new Samples();
  const gaps = new Samples();
  for (const r of results) {
    lateness.pushAll(r.lateness);
    gaps.pushAll(r.gaps);
  }
  const num = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
  const turns = results.flatMap((r) => r.turns);
  const sendLatenessMs = summarize(input.sendLateness.values());
  const framesLost = args.transport === 'twilio' ? results.reduce((n, r) => n + (r.framesLost ?? 0), 0) : undefined;
  const overloaded = (sendLatenessMs !== null && sendLatenessMs.p99 > GENERATOR_LATE_P99_MS) || (framesLost ?? 0) > 0;
  return {
    url: args.url,
    transport: args.transport,
    agent: args.agent ?? null,
    callers: args.callers,
    started: results.length,
    rampMs: args.rampMs,
    turns: args.turns,
    timeoutS: args.timeoutS,
    durationCapS: args.durationS ?? null,
    utterance: input.utterance,
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    environment: input.environment,
    outcome: { succeeded: results.filter((r) => r.ok).length, failed: failed.length, cut: results.filter((r) => r.cut && r.failures.length === 0).length, notStarted: args.callers - results.length },
    failures,
    failureExamples: failed.slice(0, 10).map((r) => ({ caller: r.index, ...r.failures[0]! })),
    metrics: {
      // Callers cut by the end of the run were set up and greeted all the same.
      setupMs: summarize(num(results.map((r) => r.setupMs))),
      greetingMs: summarize(num(results.map((r) => r.greetingMs))),
      voiceToVoiceMs: summarize(num(turns.map((t) => t.voiceToVoiceMs))),
      answerMs: summarize(turns.map((t) => t.answerMs)),
      frameLatenessMs: summarize(lateness.values()),
      gapMs: summarize(gaps.values()),
      sendLatenessMs,
    },
    frames: { received: lateness.length, lateOver20Ms: lateness.countAbove(20), lateOver100Ms: lateness.countAbove(100), gaps: gaps.length, gapsTotalMs: Math.round(gaps.values().reduce((a, b) => a + b, 0)) },
    answeredEarly: turns.filter((t) => t.answeredEarly).length,
    answers: countAnswers(turns),
    generator: {
      sendLatenessMs,
      ...(input.twilioTicks ? { twilioTicks: { ...input.twilioTicks, maxLateMs: Math.round(input.twilioTicks.maxLateMs * 10) / 10 } } : {}),
      ...(framesLost !== undefined ? { framesLost } : {}),
      overloaded,
      warning: overloaded
        ? `the load tool itself ran late (send lateness p99 ${sendLatenessMs?.p99 ?? '?'} ms${framesLost ? `, ${framesLost} caller frames lost` : ''}): these figures measure this machine's load tool as well as the server. Run it on another machine or core, or with fewer callers.`
        : null,
    },
  };
}

function countAnswers(turns: TurnFigures[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const t of turns) {
    const text = t.responses.map((r) => r.transcript ?? '').join(' ').trim();
    if (text) counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

export function callerReports(results: CallerResult[]): CallerReport[] {
  return results.map(({ lateness, gaps: _gaps, ...rest }) => {
    const s = summarize(lateness.values());
    return { ...rest, frameLatenessMs: s ? { p99: s.p99, max: s.max } : null };
  });
}

const REASON_TEXT: Record<FailureReason, string> = {
  refused: 'refused',
  setup_failed: 'set-up failed',
  closed_early: 'closed early',
  error_event: 'error event',
  no_answer: 'no answer in time',
};

/** The report for a terminal. */
export function formatReport(r: LoadReport): string {
  const lines: string[] = [];
  const o = r.outcome;
  lines.push(
    `parley load: ${r.callers} ${r.transport === 'ws' ? 'WebSocket' : 'Twilio'} caller(s) → ${r.url}${r.agent ? ` (agent ${r.agent})` : ''}, ${r.turns} turn(s) each, started ${r.rampMs} ms apart; ${(r.durationMs / 1000).toFixed(1)} s`,
    `utterance: ${r.utterance.source}, ${(r.utterance.speechMs / 1000).toFixed(2)} s of speech`,
    '',
    `callers: ${o.succeeded} succeeded, ${o.failed} failed${o.cut ? `, ${o.cut} cut by the end of the run` : ''}${o.notStarted ? `, ${o.notStarted} not started` : ''}`,
  );
  const m = r.metrics;
  const rows: [string, Summary | null][] = [
    ['setup', m.setupMs],
    ['greeting', m.greetingMs],
    ['voice-to-voice', m.voiceToVoiceMs],
    ['answer length', m.answerMs],
    ['frame lateness', m.frameLatenessMs],
    ['gaps', m.gapMs],
    ['send lateness', m.sendLatenessMs],
  ];
  const c = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1)).padStart(9);
  lines.push('', `${'ms'.padEnd(16)}${'n'.padStart(8)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
  for (const [name, s] of rows) lines.push(`${name.padEnd(16)}${String(s?.n ?? 0).padStart(8)}${c(s?.p50)}${c(s?.p95)}${c(s?.p99)}${c(s?.max)}`);
  lines.push('', `agent audio: ${r.frames.received} frames of 20 ms; ${r.frames.lateOver20Ms} more than 20 ms late, ${r.frames.lateOver100Ms} more than 100 ms; ${r.frames.gaps} gap(s) in play-out, ${r.frames.gapsTotalMs} ms in all.`);
  const answers = Object.entries(r.answers);
  if (answers.length > 1) lines.push(`answers: ${answers.map(([text, n]) => `${n}× "${text.length > 60 ? `${text.slice(0, 57)}…` : text}"`).join(', ')}`);
  if (r.answeredEarly > 0) lines.push(`${r.answeredEarly} answer(s) began before the caller had finished speaking (the turn was split); their voice-to-voice is left out.`);
  if (r.generator.twilioTicks) lines.push(`Twilio simulator ticker: ${r.generator.twilioTicks.ticks} ticks, ${r.generator.twilioTicks.late} late (max ${r.generator.twilioTicks.maxLateMs} ms); caller frames lost: ${r.generator.framesLost ?? 0}.`);
  if (o.failed > 0) {
    lines.push('', `failures: ${FAILURE_REASONS.filter((k) => r.failures[k] > 0).map((k) => `${REASON_TEXT[k]} ${r.failures[k]}`).join(', ')}`);
    for (const f of r.failureExamples) lines.push(`  caller ${f.caller}: ${REASON_TEXT[f.reason]}: ${f.detail}`);
  }
  if (r.generator.warning) lines.push('', `WARNING: ${r.generator.warning}`);
  return `${lines.join('\n')}\n`;
}
