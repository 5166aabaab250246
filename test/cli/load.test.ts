import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LoadReport } from '../../src/cli/load/index.js';
import { openStore } from '../../src/store/index.js';
import type { SessionDetail } from '../../src/store/types.js';
import { runParley, startParleyProcess, type CliRun, type ParleyProcess } from '../helpers/parley-process.js';
import { freePort } from '../helpers/server.js';
import { missingTools } from '../helpers/speech-audio.js';
import { TWILIO_AUTH_TOKEN } from '../helpers/twilio.js';

/*
 * `parley load` through the real CLI, in its own process, against Parley in another (the
 * embedded engine, the demo receptionist): a few WebSocket callers and a few phone calls at once,
 * their JSON reports checked against what the server itself recorded — the audio of each
 * response (its usage: one output audio token per 50 ms) and each phone call's frames sent
 * (its "phone call closed" log line) — and the failures it must count.
 */

const ADMIN_KEY = 'load-test-admin-key-0123456789';

const run = (args: string[]): Promise<CliRun> => runParley(['load', ...args], { env: { LOG_LEVEL: 'silent' } });

function reportOf(r: CliRun): LoadReport {
  try {
    return JSON.parse(r.stdout) as LoadReport;
  } catch {
    throw new Error(`parley load printed no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('parley load', { skip: missingTools() ?? false }, () => {
  let parley: ParleyProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-load-test-'));
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 200, `GET ${path}`);
    return (await res.json()) as T;
  };

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    parley = await startParleyProcess({
      port,
      env: { PARLEY_ENGINE: 'local', PARLEY_DATA_DIR: dataDir, PARLEY_API_KEY: ADMIN_KEY, PUBLIC_URL: url, TWILIO_AUTH_TOKEN, LOG_LEVEL: 'info' },
    });
  });
  after(async () => {
    await parley?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('failures are counted by reason and fail the run: nothing listening, a refused session', { timeout: 60_000 }, async () => {
    const closedPort = await freePort();
    const [down, refused] = await Promise.all([
      run(['--url', `http://127.0.0.1:${closedPort}`, '--callers', '2', '--ramp-ms', '0', '--timeout-s', '5', '--json']),
      run(['--url', url, '--agent', 'nobody', '--callers', '2', '--ramp-ms', '0', '--json']),
    ]);
    const d = reportOf(down);
    assert.equal(down.code, 1);
    assert.deepEqual(d.outcome, { succeeded: 0, failed: 2, cut: 0, notStarted: 0 });
    assert.equal(d.failures.setup_failed, 2);
    assert.match(d.failureExamples[0]!.detail, /ECONNREFUSED|nothing is listening/);

    const r = reportOf(refused);
    assert.equal(refused.code, 1);
    assert.equal(r.failures.refused, 2);
    assert.match(r.failureExamples[0]!.detail, /HTTP 404 agent_not_found/);
  });

  it('bad usage exits 2 with the usage', async () => {
    const r = await run(['--transport', 'twilio']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--twilio-auth-token/);
    assert.match(r.stderr, /Usage: parley load/);
  });

  it('3 WebSocket callers and 2 phone calls at once: every one succeeds, and the audio counted is the audio the server sent', { timeout: 90_000 }, async (t) => {
    const [ws, phone] = await Promise.all([
      run(['--url', url, '--key', ADMIN_KEY, '--callers', '3', '--ramp-ms', '400', '--turns', '1', '--json']),
      run(['--url', url, '--transport', 'twilio', '--twilio-auth-token', TWILIO_AUTH_TOKEN, '--callers', '2', '--ramp-ms', '400', '--turns', '1', '--json']),
    ]);
    const w = reportOf(ws);
    const p = reportOf(phone);
    t.diagnostic(`ws: v2v ${JSON.stringify(w.metrics.voiceToVoiceMs)}, lateness ${JSON.stringify(w.metrics.frameLatenessMs)}, send ${JSON.stringify(w.generator.sendLatenessMs)}`);
    t.diagnostic(`twilio: v2v ${JSON.stringify(p.metrics.voiceToVoiceMs)}, lateness ${JSON.stringify(p.metrics.frameLatenessMs)}, ticks ${JSON.stringify(p.generator.twilioTicks)}`);
    assert.equal(ws.code, 0, `ws run: ${JSON.stringify(w.failureExamples)}\n${ws.stderr}`);
    assert.equal(phone.code, 0, `twilio run: ${JSON.stringify(p.failureExamples)}\n${phone.stderr}`);

    for (const [r, callers] of [
      [w, 3],
      [p, 2],
    ] as const) {
      assert.deepEqual(r.outcome, { succeeded: callers, failed: 0, cut: 0, notStarted: 0 });
      assert.equal(Object.values(r.failures).reduce((a, b) => a + b, 0), 0);
      const m = r.metrics;
      // Plausible on a loaded 2-core machine: connected within seconds, answered within seconds.
      for (const [name, s, lo, hi] of [
        ['setup', m.setupMs, 0, 5000],
        ['greeting', m.greetingMs, 0, 8000],
        ['voice-to-voice', m.voiceToVoiceMs, 100, 8000],
        // "We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m."
        ['answer', m.answerMs, 3000, 10_000],
        ['frame lateness', m.frameLatenessMs, 0, 2000],
        ['send lateness', m.sendLatenessMs, 0, 2000],
      ] as const) {
        assert.ok(s !== null, `${r.transport} ${name}: measured`);
        for (const k of ['p50', 'p95', 'p99', 'max'] as const) assert.ok(typeof s[k] === 'number' && s[k] >= lo && s[k] <= hi, `${r.transport} ${name} ${k} = ${s[k]}, expected ${lo}–${hi}`);
      }
      assert.equal(m.voiceToVoiceMs!.n, callers);
      assert.equal(r.callerResults?.length, callers);
      assert.equal(r.frames.received, r.callerResults!.reduce((n, c) => n + c.frames, 0));
    }

    // WebSocket: each response's frames are its audio in 20 ms frames, and what the agent said is
    // what the server recorded.
    for (const c of w.callerResults!) {
      assert.ok(c.sessionId, `caller ${c.index}: a session id`);
      assert.equal(c.turns.length, 1);
      const responses = [c.greeting!, ...c.turns.flatMap((x) => x.responses)];
      for (const r of responses) assert.equal(r.frames, Math.ceil(r.audioMs / 20), `response ${r.id}: ${r.frames} frames for ${r.audioMs} ms`);
      const detail = await api<SessionDetail>(`/api/sessions/${c.sessionId}`);
      assert.deepEqual(
        detail.transcript.filter((x) => x.role === 'assistant').map((x) => x.text),
        responses.map((r) => r.transcript),
      );
      assert.match(responses.at(-1)!.transcript ?? '', /^We're open Monday to Friday/);
    }

    // Twilio: the frames each call received are the frames Parley says it sent on that call.
    for (const c of p.callerResults!) {
      assert.ok(c.sessionId, `call ${c.index}: a session id`);
      const closed = await parley.waitForLog((l) => l.msg === 'phone call closed' && l.session_id === c.sessionId, `the close of call ${c.callSid}`);
      const sent = (closed.stats as { outFrames: number }).outFrames;
      assert.equal(c.frames, sent, `call ${c.index}: received ${c.frames} frames, Parley sent ${sent}`);
      const detail = await api<SessionDetail>(`/api/sessions/${c.sessionId}`);
      assert.match(detail.transcript.filter((x) => x.role === 'assistant').at(-1)?.text ?? '', /^We're open Monday to Friday/);
    }

    // And the audio of each WebSocket response is the audio the server counted in its usage
    // record (one output audio token per 50 ms; the raw usage is in the database, not the API).
    await parley.stop();
    const store = await openStore({ dataDir });
    try {
      for (const c of w.callerResults!) {
        const detail = (await store.records.session(c.sessionId!))!;
        for (const r of [c.greeting!, ...c.turns.flatMap((x) => x.responses)]) {
          const usage = detail.usage.find((u) => u.responseId === r.id);
          assert.ok(usage, `caller ${c.index}: the server recorded response ${r.id}`);
          const tokens = (usage.raw as { output_token_details?: { audio_tokens?: number } } | null)?.output_token_details?.audio_tokens;
          assert.ok(tokens !== undefined && Math.abs(tokens - Math.ceil(r.audioMs / 50)) <= 1, `response ${r.id}: ${r.audioMs} ms received, the server counted ${tokens} audio tokens (50 ms each)`);
        }
      }
    } finally {
      await store.close();
    }
  });
});
