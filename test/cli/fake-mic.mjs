#!/usr/bin/env node
// A stand-in microphone for `parley talk --record-command`: writes raw PCM16 24 kHz mono to
// stdout at real-time pace — `delayMs` of silence, the file's samples, then silence until killed.
// Usage: node fake-mic.mjs <file.raw> <delayMs>
import { readFileSync } from 'node:fs';

const [file, delay = '0'] = process.argv.slice(2);
const speech = readFileSync(file);
const CHUNK = 1920; // 40 ms
const lead = Buffer.alloc(Math.round(Number(delay) * 48) & ~1);
const audio = Buffer.concat([lead, speech]);
const started = Date.now();
let sent = 0;
process.stdout.on('error', () => process.exit(0));
const tick = () => {
  // Everything due by now, in 40 ms chunks: silence once the file is done.
  while (sent < ((Date.now() - started) * 48)) {
    const chunk = sent < audio.length ? audio.subarray(sent, sent + CHUNK) : Buffer.alloc(CHUNK);
    process.stdout.write(chunk);
    sent += CHUNK;
  }
  setTimeout(tick, 20);
};
tick();
