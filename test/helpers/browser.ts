import { existsSync, writeFileSync } from 'node:fs';
import { writeWav } from '../../src/audio/wav.js';
import { mix, whiteNoise, type AudioFactory } from './speech-audio.js';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here (undefined: they can). */
export function missingBrowser(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (npm run setup installs Debian's chromium)`;
}

export interface BrowserOptions {
  /** A WAV file Chromium's fake capture device plays as the microphone (looped). Absent: its built-in beep. */
  microphoneWav?: string;
}

/**
 * Debian's Chromium, headless, with a fake microphone (real audio from a WAV file) and
 * permission to use it. Loopback only: no background networking, no component updates.
 */
export async function launchChromium(opts: BrowserOptions = {}): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    '--disable-quic',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    // Host candidates as addresses, not mDNS names: the server peer resolves no .local names.
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ];
  if (opts.microphoneWav) args.push(`--use-file-for-fake-audio-capture=${opts.microphoneWav}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** One stretch of the fake microphone's audio: something said, or a pause. */
export type MicSegment = { say: string; voice?: string; wpm?: number } | { pauseS: number };

/** A −60 dBFS noise floor: a real microphone is never digitally silent (and the page warns when it is). */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const MIC_RATE = 48000;

/**
 * Writes what the fake microphone will say, as a 48 kHz WAV (Chromium loops it): espeak-ng speech
 * and pauses, over a faint noise floor.
 */
export function writeMicrophoneWav(audio: AudioFactory, path: string, segments: readonly MicSegment[]): void {
  const parts = segments.map((s) => ('say' in s ? audio.speech(s.say, 0, 0, MIC_RATE, s.voice ?? 'en-us', s.wpm ?? 160) : new Int16Array(Math.round(s.pauseS * MIC_RATE))));
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  writeFileSync(path, writeWav({ sampleRate: MIC_RATE, channels: 1, samples: mix(all, whiteNoise(all.length), MIC_FLOOR_RMS) }));
}
