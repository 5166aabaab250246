import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { missingBrowser } from '../helpers/browser.js';
import { missingTools } from '../helpers/speech-audio.js';
import { debug, screenshot, startCall, startClientTestBed, transcript, waitForEntry, type ClientTestBed } from './client-page.js';

const skip = missingBrowser() ?? missingTools() ?? false;

describe('the browser client books by voice (headless Chromium, microphone = an espeak-ng WAV)', { skip }, () => {
  let bed: ClientTestBed;
  before(async () => {
    bed = await startClientTestBed();
  });
  after(() => bed?.close());

  // One slot per mode: the second booking must not find the first one's time taken.
  const CASES = [
    { mode: 'websocket', service: 'consultation', say: "I'd like to book a consultation next Tuesday at ten a.m." },
    { mode: 'webrtc', service: 'cleaning', say: "I'd like to book a cleaning next Tuesday at eleven a.m." },
  ] as const;

  for (const { mode, service, say } of CASES) it(`${mode}: the transcript on the page, the tool call with its result, the row in the database, the agent heard`, async () => {
    const { srv, store } = bed;
    // The greeting plays first; then the caller asks, then stays quiet (Chromium loops the file).
    const browser = await bed.browserSaying(mode, [{ pauseS: 5 }, { say }, { pauseS: 40 }]);
    const before = (await store.business.appointments()).length;
    const page: Page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
    await startCall(page, srv.url, mode);
    const tool = await waitForEntry(page, 'tool', /book_appointment/, 60_000);
    assert.match(tool, new RegExp(`"service":"${service}"`));
    assert.match(tool, new RegExp(`→ {"appointment":{"id":"apt_\\w+","service":"${service}"`), 'the tool result is shown');
    await waitForEntry(page, 'agent', /You're all set/, 30_000);

    const entries = await transcript(page);
    const said = entries.filter((e) => e.kind === 'user').map((e) => e.text.toLowerCase()).join(' ');
    assert.match(said, /book/);
    assert.match(said, new RegExp(service));
    assert.match(said, /tuesday/);
    assert.ok(entries.some((e) => e.kind === 'agent' && /answered in \d+ ms/.test(e.text)), 'an answer shows its latency');

    // The row is the one the page showed being booked (the time as recognised through Chromium's audio processing).
    const args = JSON.parse(/book_appointment\((\{.*?\})\)/.exec(tool)![1]!) as { service: string; date: string; time: string };
    const booked = await store.business.appointments();
    assert.equal(booked.length, before + 1, 'exactly one appointment was booked');
    const row = booked.find((a) => a.status === 'booked' && a.service === args.service && a.date === args.date && a.time === args.time);
    assert.ok(row, `the booked row ${JSON.stringify(args)} is in the database: ${JSON.stringify(booked)}; the caller was heard saying "${said}"`);
    assert.equal(new Date(`${row.date}T12:00:00Z`).getUTCDay(), 2, 'a Tuesday');
    const stats = await debug(page, (p) => p.stats());
    // WebSocket: samples the playback worklet rendered; WebRTC: Chromium's own count of agent audio rendered from the track.
    assert.ok(stats && stats.playedMs > 2000, `agent audio was played (${stats?.playedMs} ms)`);
    assert.equal(await debug(page, (p) => p.mode()), mode);
    const sessionId = await debug(page, (p) => p.sessionId());
    const record = await store.records.session(sessionId!);
    assert.equal(record?.transport, mode);
    if (mode === 'websocket') {
      await screenshot(page, 'client-booking');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'client-phone');
    }
    await page.click('#start');
    await page.waitForSelector('#state[data-state="ended"]');
    await page.close();
  });
});
