import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { launchChromium, missingBrowser, writeMicrophoneWav } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory, missingTools } from '../helpers/speech-audio.js';
import { debug, screenshot, startCall, transcript, waitForEntry } from './client-page.js';

const skip = missingBrowser() ?? missingTools() ?? false;

describe('the browser client in WebSocket mode (headless Chromium, microphone = an espeak-ng WAV)', { skip }, () => {
  let srv: TestServer;
  let store: Store;
  let browser: Browser;
  const audio = new AudioFactory();

  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
    const mic = join(audio.dir, 'booking.wav');
    // The greeting plays first; then the caller asks, then stays quiet (Chromium loops the file).
    writeMicrophoneWav(audio, mic, [{ pauseS: 5 }, { say: "I'd like to book a consultation next Tuesday at ten a.m." }, { pauseS: 40 }]);
    browser = await launchChromium({ microphoneWav: mic });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    audio.dispose();
  });

  it('books an appointment by voice: the transcript on the page, the tool call with its result, the row in the database, the agent heard', async () => {
    const before = (await store.business.appointments()).length;
    const page: Page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
    await startCall(page, srv.url, 'websocket');
    const tool = await waitForEntry(page, 'tool', /book_appointment/, 60_000);
    assert.match(tool, /"service":"consultation"/);
    assert.match(tool, /→ {"appointment":{"id":"apt_\w+","service":"consultation"/, "the tool result is shown");
    await waitForEntry(page, 'agent', /booked|consultation/i, 30_000);

    const entries = await transcript(page);
    const said = entries.filter((e) => e.kind === 'user').map((e) => e.text.toLowerCase()).join(' ');
    assert.match(said, /book/);
    assert.match(said, /consultation/);
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
    assert.ok(stats && stats.playedMs > 2000, `agent audio was played through the playback worklet (${stats?.playedMs} ms)`);
    assert.equal(await debug(page, (p) => p.mode()), 'websocket');
    const sessionId = await debug(page, (p) => p.sessionId());
    const record = await store.records.session(sessionId!);
    assert.equal(record?.transport, 'websocket');
    await screenshot(page, 'client-booking');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'client-phone');
    await page.click('#start');
    await page.waitForSelector('#state[data-state="ended"]');
    await page.close();
  });
});
