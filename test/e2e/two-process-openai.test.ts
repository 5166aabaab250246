import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import YAML from 'yaml';
import { EngineRegistry } from '../../src/engines/engine.js';
import { createOpenAIEngine, OpenAIEngineEventCode } from '../../src/engines/openai/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startParleyProcess, type ParleyProcess } from '../helpers/parley-process.js';
import { RawClient, type Json, spokenText } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { itemAudio, streamRealtime } from '../helpers/voice-session.js';

/*
 * Issue 5's "must show": the `openai` engine against a second Parley *process* as its upstream.
 *
 *   caller ──ws──▶ Parley A (this process: agent runtime, tools, records; engine `openai`)
 *                     ──ws──▶ Parley B (child process, PARLEY_AGENTS=off: the bare embedded engine)
 *
 * B hears the caller's audio, recognizes it, and calls the agent's tool as a model does; A runs
 * the tool against its own store. Then B is SIGKILLed in the middle of an answer and started
 * again on the same port: A reconnects, re-seeds the new B from the session's record, asks for
 * the cut-off answer again, and the conversation carries on with its context.
 */

const AGENT = 'relay-receptionist';
const UPSTREAM_KEY = 'sk-parley-upstream-two-process-test';
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const BOOK = "I'd like to book a consultation next Tuesday at ten a.m.";
const MOVE = "I'd like to reschedule my appointment to Thursday at eleven a.m.";

const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9' -]/g, ' ').replace(/\s+/g, ' ').trim();
/** What an assistant message of a `response.done` says. */
const spoken = (done: Json): string => spokenText(done.response);

/** The receptionist, on the `openai` engine. Idle prompts pushed out of the way: the test has its own pauses. */
function writeAgent(dir: string): void {
  const agent = YAML.parse(readFileSync('agents/receptionist.yaml', 'utf8')) as Record<string, unknown> & { limits: Record<string, unknown> };
  agent.name = AGENT;
  agent.engine = 'openai';
  agent.limits = { ...agent.limits, idleTimeoutMs: 120_000 };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${AGENT}.yaml`), YAML.stringify(agent));
}

describe('the openai engine with a second Parley process (embedded engine) as its upstream', { skip: missingTools() ?? false }, () => {
  let tmp: string;
  let store: Store;
  let srv: TestServer | undefined;
  /** Every upstream process started, the killed one included. */
  const upstreams: ParleyProcess[] = [];
  /** Upstream events as the openai engine received them, with the connection (generation) they came on. */
  const taps: { generation: number; event: Json }[] = [];
  const audio = new AudioFactory();
  /** The caller's connection, and whether the test got to its end: for what to show when it did not. */
  let caller: RawClient | undefined;
  let finished = false;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'parley-two-process-'));
    mkdirSync(join(tmp, 'upstream'));
    writeAgent(join(tmp, 'agents'));
    const [upstream, opened] = await Promise.all([
      startParleyProcess({
        // A folder of its own: no .env or parley.config.json of the checkout applies.
        cwd: join(tmp, 'upstream'),
        env: { HOST: '127.0.0.1', PARLEY_AGENTS: 'off', PARLEY_ENGINE: 'local', PARLEY_API_KEY: UPSTREAM_KEY, PARLEY_DATA_DIR: join(tmp, 'upstream', 'data'), LOG_LEVEL: 'info' },
      }),
      openStore({ dataDir: 'memory://' }),
    ]);
    upstreams.push(upstream);
    store = opened;
    const engines = new EngineRegistry().register(
      createOpenAIEngine({
        // The upstream's own admin key: a model endpoint with PARLEY_API_KEY set lets only that in.
        apiKey: UPSTREAM_KEY,
        baseUrl: `${upstream.url}/v1`,
        // Quick enough for a test, patient enough for a process restart (about a second to start).
        reconnect: { initialDelayMs: 200, maxDelayMs: 1000, maxAttempts: 30, jitter: 0.2 },
        tap: (event, info) => void taps.push({ generation: info.generation, event: event as Json }),
      }),
    );
    srv = await startTestServer({ agents: { default: AGENT } }, { agentsDir: join(tmp, 'agents'), store, engines });
  });

  after(async () => {
    if (!finished) {
      // What each side saw, for a failure that is hard to reproduce.
      for (const p of upstreams) {
        const notable = p.output.filter((line) => {
          try {
            return Number((JSON.parse(line) as { level?: unknown }).level) >= 40;
          } catch {
            return true; // not a log line: a crash, a warning from Node
          }
        });
        console.error(`upstream pid ${p.pid} (port ${p.port}), warnings, errors and other output:\n${notable.map((l) => `  ${l}`).join('\n') || '  none'}`);
      }
      if (caller) {
        const closed = caller.ws.readyState === WebSocket.CLOSED ? await caller.closed : null;
        console.error(`the caller's events (deltas left out): ${caller.types().filter((x) => !x.endsWith('.delta')).join(', ')}${closed ? `; closed ${closed.code} ${closed.reason}` : ''}`);
      }
    }
    audio.dispose();
    // The server closes the store it runs over; without a server, the store is closed here.
    await (srv ? srv.close() : store?.close());
    await Promise.all(upstreams.map((p) => p.stop()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a voice booking through two hops; the upstream killed mid-answer, restarted: the session recovers with its context and the tool ran once', { timeout: 120_000 }, async (t) => {
    const started = Date.now();
    const mark = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    const ws = (caller = await RawClient.connect(`${srv!.wsUrl}?agent=${AGENT}`));
    const talk = (text: string) => {
      const speech = audio.speech(text, 0.4, 1.2, 24000);
      return streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    };
    /** The first event of `type` at or after index `from` that matches (whatever was consumed before: events of one turn may come in either order). */
    const find = async (type: string, pred: (e: Json) => boolean = () => true, from = 0, timeoutMs = 10_000): Promise<Json> => {
      let found: Json | undefined;
      const look = (): boolean => {
        for (let i = from; i < ws.events.length && !found; i++) if (ws.events[i]!.type === type && pred(ws.events[i]!)) found = ws.events[i];
        return found !== undefined;
      };
      await ws.waitFor(look, timeoutMs).catch(() => {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${type}; since then: ${ws.types(from).filter((x) => !x.endsWith('.delta')).join(', ')}`);
      });
      return found!;
    };
    const at = (e: Json): number => ws.events.indexOf(e);
    const sessionId = (await find('session.created')).session.id as string;

    // The greeting, composed and spoken by the upstream's engine, heard through both hops.
    // (Not the agent's `greeting:` text: the runtime asks for a plain response and no engine reads that field.)
    const greeting = await find('response.done', undefined, 0, 20_000);
    assert.match(spoken(greeting), /Maple Street Clinic\. How can I help you today\?$/);
    assert.ok(itemAudio(ws.events, greeting.response.output[0].id as string).length / 24000 > 1, 'the greeting’s audio reached the caller');
    mark('greeted');

    // 1. The booking: recognized upstream, the tool called by the upstream's "model", run here.
    const bookFrom = ws.events.length;
    await talk(BOOK);
    const heard = await find('conversation.item.input_audio_transcription.completed', undefined, bookFrom, 15_000);
    assert.equal(words(heard.transcript as string), words(BOOK), 'the caller’s words, recognized by the upstream process, reached the caller');
    const call = await find('response.function_call_arguments.done', (e) => e.name === 'book_appointment', bookFrom, 15_000);
    const args = JSON.parse(call.arguments as string) as { service: string; date: string; time: string };
    assert.equal(args.service, 'consultation');
    assert.equal(args.time, '10:00');
    const output = await find('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id, at(call));
    const booked = (JSON.parse(output.item.output as string) as { appointment: { id: string; date: string; time: string } }).appointment;
    assert.equal(booked.date, args.date);
    mark('booked by the downstream runtime');

    // 2. The answer to the tool result starts streaming: the upstream process dies under it.
    const answer = await find('response.created', undefined, at(output));
    const firstDelta = await find('response.output_audio.delta', (e) => e.response_id === answer.response.id, at(answer));
    const killed = await upstreams[0]!.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    mark('upstream killed mid-answer');
    const restarting = upstreams[0]!.restart().then((p) => {
      upstreams.push(p);
      mark(`upstream restarted on port ${p.port} (pid ${p.pid})`);
      return p;
    });

    const reconnecting = await find('error', (e) => e.error.code === OpenAIEngineEventCode.reconnecting, at(firstDelta));
    assert.equal(reconnecting.error.type, 'server_error');
    assert.equal(reconnecting.error.code, 'upstream_reconnecting');
    const failed = await find('response.done', (e) => e.response.id === answer.response.id, at(answer));
    assert.equal(failed.response.status, 'failed');
    assert.equal(failed.response.status_details.error.code, 'upstream_reconnecting');
    const restarted = await restarting;
    assert.equal(restarted.port, upstreams[0]!.port, 'the same port');
    assert.notEqual(restarted.pid, upstreams[0]!.pid);

    // 3. Asked again on the new process, which knows the booking only from the re-seeded record.
    const again = await find('response.done', (e) => e.response.status === 'completed', at(failed), 30_000);
    const confirmation = spoken(again);
    assert.match(confirmation, /^You're all set: a consultation .+ at 10 a\.m\. Anything else\?$/);
    const generationOf = (responseId: string) => taps.find((x) => x.event.type === 'response.created' && x.event.response.id === responseId)?.generation;
    const firstGeneration = generationOf(answer.response.id as string) ?? 0;
    assert.ok(firstGeneration >= 1);
    assert.ok((generationOf(again.response.id as string) ?? 0) > firstGeneration, 'answered on a new upstream connection');
    const reseeded = taps.filter((x) => x.generation === generationOf(again.response.id as string) && x.event.type === 'conversation.item.done').map((x) => x.event.item as Json);
    assert.ok(
      reseeded.some((i) => i.type === 'function_call_output' && i.call_id === call.call_id),
      'the new upstream was seeded with the tool call and its result',
    );
    const confirmationAudio = itemAudio(ws.events, again.response.output[0].id as string);
    assert.ok(confirmationAudio.length / 24000 > 2, 'the confirmation was spoken, and its audio reached the caller');
    mark('the cut-off answer was given by the new upstream');

    // 4. The conversation goes on, with its context: "my appointment" is the one booked before the crash.
    const moveFrom = ws.events.length;
    await talk(MOVE);
    const heardAgain = await find('conversation.item.input_audio_transcription.completed', undefined, moveFrom, 15_000);
    assert.equal(words(heardAgain.transcript as string), words(MOVE));
    const move = await find('response.function_call_arguments.done', (e) => e.name === 'reschedule_appointment', moveFrom, 15_000);
    const moveArgs = JSON.parse(move.arguments as string) as { appointment_id?: string; new_date: string; new_time: string };
    assert.equal(moveArgs.appointment_id, booked.id, 'the restarted upstream knows which appointment was booked before the crash');
    assert.equal(moveArgs.new_time, '11:00');
    const moved = await find('response.done', (e) => /^Done\. You're now booked /.test(spoken(e)), at(move), 20_000);
    assert.match(spoken(moved), / at 11 a\.m\. Anything else\?$/);
    mark('rescheduled after the recovery');

    // One session, one socket, all along.
    assert.equal(ws.ws.readyState, WebSocket.OPEN, 'the caller’s socket stayed open');
    assert.equal(ws.events.filter((e) => e.type === 'session.created').length, 1);
    assert.deepEqual(
      ws.events.filter((e) => e.type === 'error').map((e) => e.error.code),
      ['upstream_reconnecting'],
      'the outage is the only error the caller saw',
    );
    // The tool ran once: one call reached the caller, one result, one appointment.
    assert.equal(ws.events.filter((e) => e.type === 'response.function_call_arguments.done' && e.name === 'book_appointment').length, 1);
    assert.equal(ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.type === 'function_call_output' && e.item.call_id === call.call_id).length, 1);
    await ws.close();

    // The downstream's records: the session under one id, both tools once each, the transcript through both hops.
    const deadline = Date.now() + 5000;
    let detail = await store.records.session(sessionId);
    while (!detail?.endedAt && Date.now() < deadline) detail = await sleep(50).then(() => store.records.session(sessionId));
    assert.ok(detail?.endedAt, 'the session was closed');
    assert.deepEqual(
      detail.toolCalls.map((c) => [c.name, c.callId, c.error]),
      [
        ['book_appointment', call.call_id, null],
        ['reschedule_appointment', move.call_id, null],
      ],
      'each tool ran once, in this process',
    );
    const userSaid = detail.transcript.filter((x) => x.role === 'user').map((x) => words(x.text));
    assert.deepEqual(userSaid, [words(BOOK), words(MOVE)]);
    const appointments = await store.business.appointments({});
    assert.equal(appointments.length, 1, 'booked once');
    assert.equal(appointments[0]?.id, booked.id);
    assert.equal(appointments[0]?.status, 'booked');
    assert.equal(appointments[0]?.time, '11:00');
    assert.equal(appointments[0]?.date, moveArgs.new_date);
    finished = true;
    t.diagnostic(`the cut-off answer ran on upstream connection ${firstGeneration}, its second asking on connection ${generationOf(again.response.id as string)} (the ones between were refused while the process restarted)`);
  });
});
