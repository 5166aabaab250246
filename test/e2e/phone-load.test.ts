// test-runner: alone — a hundred calls at once on two cores: beside another test file, this would
// measure a share of the machine (scripts/run-tests.mjs runs it after the others).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionDetail } from '../../src/store/types.js';
import { TwilioNetwork, type SimulatedCall } from '../../src/simulators/twilio/index.js';
import { startParleyProcess, type ParleyProcess } from '../helpers/parley-process.js';
import { freePort } from '../helpers/server.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../helpers/twilio.js';

const CALLS = Number(process.env.PHONE_CALLS ?? 100);
const LINE_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const;
const TIMES = [
  ['nine a.m.', '09:00'],
  ['ten a.m.', '10:00'],
  ['eleven a.m.', '11:00'],
  ['noon', '12:00'],
  ['one p.m.', '13:00'],
  ['two p.m.', '14:00'],
  ['three p.m.', '15:00'],
  ['four p.m.', '16:00'],
  ['eight a.m.', '08:00'],
  ['five p.m.', '17:00'],
] as const;

interface Request {
  text: string;
  service: string;
  weekday: number;
  time: string;
}

/**
 * 50 slots (day × time), two callers each, whose services fit the clinic's staff side by side:
 * a cleaning or a vaccination (Nurse Garcia's) and a consultation or a follow-up (Doctor Smith's
 * or Doctor Patel's). So every booking fits, and a caller who gets another's slot shows.
 */
const REQUESTS: Request[] = DAYS.flatMap((day, d) =>
  TIMES.flatMap(([spoken, time], t) =>
    [['cleaning', 'vaccination'][(d + t) % 2]!, ['consultation', 'follow-up'][(d + t) % 2]!].map((service) => ({ text: `I need a ${service} on ${day} at ${spoken}`, service, weekday: d + 1, time })),
  ),
);

const weekdayOf = (date: string): number => new Date(`${date}T12:00:00Z`).getUTCDay();
const ADMIN_KEY = 'phone-load-admin-key-0123456789';

describe(`${CALLS} concurrent phone calls, each booking by voice (embedded engine)`, { skip: missingTools() ?? false }, () => {
  // Parley runs as its own process, as in production: the simulated Twilio side (this process)
  // must not share an event loop with the server it loads.
  let parley: ParleyProcess;
  let publicUrl: string;
  let net: TwilioNetwork;
  const audio = new AudioFactory();
  const speech = new Map<string, Int16Array>();
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${publicUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 200, `GET ${path}`);
    return (await res.json()) as T;
  };

  before(async () => {
    for (const r of REQUESTS) {
      const s = audio.speech(r.text, 0.3, 1.2, 8000);
      speech.set(r.text, mix(s, whiteNoise(s.length), LINE_FLOOR_RMS));
    }
    net = await TwilioNetwork.start({ authToken: TWILIO_AUTH_TOKEN, accountSid: TWILIO_ACCOUNT_SID });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    parley = await startParleyProcess({
      port,
      env: {
        PARLEY_ENGINE: 'local',
        PARLEY_DATA_DIR: 'memory://',
        PARLEY_API_KEY: ADMIN_KEY,
        PUBLIC_URL: publicUrl,
        TWILIO_AUTH_TOKEN,
        TWILIO_ACCOUNT_SID,
        PARLEY_TWILIO_API_URL: net.restUrl,
      },
    });
  });
  after(async () => {
    audio.dispose();
    await parley?.kill('SIGTERM');
    await net.close();
  });

  it('every call books its own slot and hears its own confirmation; none disturbs another', { timeout: 240_000 }, async (t) => {
    let peak = 0;
    let live = 0;
    const started = Date.now();
    let booked = 0;
    let allBooked!: () => void;
    const everyoneBooked = new Promise<void>((r) => (allBooked = r));
    const failed: string[] = [];
    const one = async (i: number): Promise<{ call: SimulatedCall; request: Request; sessionId: string } | null> => {
      // Calls arrive over 15 s, as a busy line would see them, and stay on the line until every
      // caller has booked: then all of them are live at once. Their requests are spread out by
      // the arrivals; the embedded recogniser is what limits simultaneous speech on 2 cores.
      await new Promise((r) => setTimeout(r, i * 150));
      const request = REQUESTS[i]!;
      const call = await net.call({ baseUrl: publicUrl, from: `+1555020${String(i).padStart(4, '0')}`, to: '+15550100000' });
      peak = Math.max(peak, ++live);
      void call.ended.then(() => live--);
      const sessionId = call.customParameters!.session_id!;
      try {
        await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 90_000 });
        await call.play(speech.get(request.text)!, 8000);
        await call.waitUntilSilent({ afterAudio: true, quietMs: 1000, timeoutMs: 120_000 });
      } catch (err) {
        const said = (await api<SessionDetail>(`/api/sessions/${sessionId}`)).transcript.map((x) => `${x.role}: ${x.text}`);
        failed.push(`call ${call.from} ("${request.text}"): ${(err as Error).message}; transcript ${JSON.stringify(said)}; timeline ${JSON.stringify(call.timeline.slice(-4))}`);
        if (++booked === CALLS) allBooked();
        return null;
      }
      if (++booked === CALLS) allBooked();
      await everyoneBooked;
      await call.hangUp();
      return { call, request, sessionId };
    };
    const settled = await Promise.all(Array.from({ length: CALLS }, (_, i) => one(i)));
    assert.deepEqual(failed, []);
    const results = settled.filter((r) => r !== null);
    const lost = results.reduce((n, r) => n + r.call.framesLost, 0);
    t.diagnostic(`${CALLS} calls in ${((Date.now() - started) / 1000).toFixed(1)} s; ${peak} live at once; simulator ticks ${JSON.stringify(net.tickStats)}, caller frames lost ${lost}`);
    assert.equal(peak, CALLS, `every call was live at once (${peak})`);

    const appointmentIds = new Set<string>();
    const problems: string[] = [];
    for (const { call, request, sessionId } of results) {
      // Hung up: the session ends and flushes its record; the API reads it from the database.
      const detail = await api<SessionDetail>(`/api/sessions/${sessionId}`);
      const where = `call ${call.from} ("${request.text}")`;
      if (!detail) {
        problems.push(`${where}: no record`);
        continue;
      }
      if (detail.callerId !== call.from) problems.push(`${where}: the record is of caller ${detail.callerId}`);
      const heard = detail.transcript.filter((x) => x.role === 'user').map((x) => x.text);
      const bookings = detail.toolCalls.filter((x) => x.name === 'book_appointment');
      if (bookings.length !== 1) {
        problems.push(`${where}: ${bookings.length} bookings; transcript ${JSON.stringify(detail.transcript.map((x) => `${x.role}: ${x.text}`))}`);
        continue;
      }
      const args = bookings[0]!.arguments as { service: string; date: string; time: string };
      const id = (bookings[0]!.output as { appointment?: { id?: string } }).appointment?.id;
      if (args.service !== request.service || args.time !== request.time || weekdayOf(args.date) !== request.weekday) problems.push(`${where}: booked ${JSON.stringify(args)}; heard ${JSON.stringify(heard)}`);
      if (!id) problems.push(`${where}: booking failed: ${JSON.stringify(bookings[0]!.output)}`);
      else appointmentIds.add(id);
      const confirmation = detail.transcript.find((x) => x.role === 'assistant' && x.text.startsWith("You're all set"));
      if (!confirmation) problems.push(`${where}: no confirmation; the agent said ${JSON.stringify(detail.transcript.filter((x) => x.role === 'assistant').map((x) => x.text))}`);
      // What the caller heard: the greeting and the confirmation, each played and acknowledged in full.
      if (call.marks.some((m) => m.discarded) || call.clears > 0) {
        const clears = call.timeline.filter((e) => e.type === 'clear').map((e) => `at ${e.atMs} ms: ${e.detail}`);
        problems.push(`${where}: audio was cleared (${clears.join('; ')}); transcript ${JSON.stringify(detail.transcript.map((x) => `${x.role}: ${x.text}`))}`);
      }
      if (call.marks.length < 150) problems.push(`${where}: only ${call.marks.length} frames heard`);
      if (call.errors.length > 0) problems.push(`${where}: protocol errors ${call.errors.slice(0, 3).join('; ')}`);
    }
    if (problems.length > 0) {
      const warnings = new Map<string, number>();
      for (const l of parley.logs) if (Number(l.level) >= 40) warnings.set(String(l.msg), (warnings.get(String(l.msg)) ?? 0) + 1);
      t.diagnostic(`server warnings: ${JSON.stringify([...warnings])}`);
    }
    assert.deepEqual(problems, []);
    assert.equal(appointmentIds.size, CALLS, 'one appointment per call');
    for (const id of appointmentIds) assert.equal((await api<{ status: string }>(`/api/appointments/${id}`)).status, 'booked');
  });
});
