/**
 * What the simulated callers say: a recording (`--say`), or a sentence spoken once by the
 * embedded engine's own synthesizer (espeak-ng), trimmed of espeak's silence either side.
 * Everyone says the same audio; the end of its speech is measured on the signal, so
 * voice-to-voice latency runs from the caller's last sound, not from the end of the file.
 */
import { readFileSync } from 'node:fs';
import { clampInt16, concatPcm16, pcm16ToBytes, readWav, resample } from '../../audio/index.js';
import { speechSpan } from '../../audio/speech-span.js';
import { WhiteNoise } from '../../audio/white-noise.js';
import { EspeakSynthesizer } from '../../engines/local/tts/index.js';
import { FRAME_MS } from './playout.js';

export interface Utterance {
  /** PCM16 mono. */
  samples: Int16Array;
  rate: number;
  /** Where its speech ends, ms from its start. */
  speechEndMs: number;
  /** What it is, for the report. */
  source: string;
}

/** espeak-ng's US English voice at 160 words per minute: what the recognizer hears best. */
const VOICE = 'espeak:en-us';
const SPEED = 160 / 175;

export function loadWavUtterance(file: string): Utterance {
  let wav;
  try {
    wav = readWav(readFileSync(file), { mono: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new Error(`cannot use --say ${file}: ${why}`, { cause: err });
  }
  const span = speechSpan(wav.samples, wav.sampleRate);
  if (span.endMs === 0) throw new Error(`cannot use --say ${file}: it holds no speech (shorter than 10 ms, or silence)`);
  return { samples: wav.samples, rate: wav.sampleRate, speechEndMs: span.endMs, source: file };
}

export async function synthesizeUtterance(sentence: string): Promise<Utterance> {
  const tts = new EspeakSynthesizer();
  const chunks: Int16Array[] = [];
  let rate = 0;
  try {
    for await (const chunk of tts.synthesize(sentence, { voice: VOICE, speed: SPEED, signal: new AbortController().signal })) {
      chunks.push(chunk.samples);
      rate = chunk.sampleRate;
    }
  } finally {
    await tts.close();
  }
  const all = concatPcm16(chunks);
  const span = speechSpan(all, rate);
  if (span.endMs === 0) throw new Error(`espeak-ng said nothing for "${sentence}"`);
  const samples = all.slice(Math.floor((span.startMs * rate) / 1000), Math.ceil((span.endMs * rate) / 1000));
  return { samples, rate, speechEndMs: span.endMs - span.startMs, source: `"${sentence}" (espeak-ng, ${VOICE.slice('espeak:'.length)})` };
}

/** The line's noise floor under the callers' microphones: −60 dBFS of white noise. */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const WS_RATE = 24_000;
const WS_FRAME = (WS_RATE * FRAME_MS) / 1000;
/** Distinct frames of background noise, repeated: one second. */
const NOISE_FRAMES = 50;

/** Every `input_audio_buffer.append` a WebSocket caller sends, serialized (to UTF-8) once and shared. */
export interface WsFrames {
  /** One second of the microphone's hiss, 50 messages, repeated between utterances. */
  noise: Buffer[];
  /** The utterance over the hiss, one message per 20 ms. */
  speech: Buffer[];
  /** The index in `speech` of the frame holding the last sound. */
  speechEndFrame: number;
}

const append = (pcm: Int16Array): Buffer => Buffer.from(`{"type":"input_audio_buffer.append","audio":"${pcm16ToBytes(pcm).toString('base64')}"}`, 'utf8');

export function wsFrames(u: Utterance): WsFrames {
  const speech24 = u.rate === WS_RATE ? u.samples : resample(u.samples, u.rate, WS_RATE);
  const noise = new WhiteNoise(0x51ed270b);
  const frame = (from: Int16Array | null, offset: number): Buffer => {
    const out = new Int16Array(WS_FRAME);
    const hiss = noise.next(WS_FRAME);
    for (let i = 0; i < WS_FRAME; i++) out[i] = clampInt16(Math.round((from?.[offset + i] ?? 0) + hiss[i]! * MIC_FLOOR_RMS));
    return append(out);
  };
  const noiseFrames = Array.from({ length: NOISE_FRAMES }, () => frame(null, 0));
  const speech: Buffer[] = [];
  for (let offset = 0; offset < speech24.length; offset += WS_FRAME) speech.push(frame(speech24, offset));
  return { noise: noiseFrames, speech, speechEndFrame: Math.min(speech.length - 1, Math.max(0, Math.ceil(u.speechEndMs / FRAME_MS) - 1)) };
}

/** The utterance for a phone line: its speech, then what follows the speech (played right after). */
export function phoneParts(u: Utterance): { speech: Int16Array; rest: Int16Array } {
  const cut = Math.min(u.samples.length, Math.ceil((u.speechEndMs * u.rate) / 1000));
  return { speech: u.samples.subarray(0, cut), rest: u.samples.subarray(cut) };
}
