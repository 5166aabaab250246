import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToPcm16, concatPcm16, pcm16ToBytes } from '../audio/pcm16.js';
import type { WavAudio } from '../audio/wav.js';

/** Recordings are PCM16 mono at this rate, whatever the session's formats. */
export const RECORDING_RATE = 24000;

export type Track = 'caller' | 'agent';

/*
 * File layout: MAGIC, a 12-byte IV, the AES-256-GCM ciphertext of the PCM16 samples, and the
 * 16-byte tag, written when the track closes. A segment per connection (a resumed session
 * adds one), read back in order.
 */
const MAGIC = Buffer.from('PRLYREC1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class RecordingError extends Error {
  constructor(
    readonly code: 'invalid_recording_key' | 'recording_unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

const keyBytes = (text: string): Buffer => (/^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64'));

/** Is this a usable `PARLEY_RECORDING_KEY`: 32 bytes, as 64 hex characters or base64? */
export const isRecordingKey = (text: string): boolean => keyBytes(text).length === 32;

export function parseRecordingKey(text: string): Buffer {
  const key = keyBytes(text);
  if (key.length !== 32) throw new RecordingError('invalid_recording_key', 'PARLEY_RECORDING_KEY must be 32 bytes: 64 hex characters or base64 (e.g. `openssl rand -hex 32`).');
  return key;
}

/** One track being written: samples in, encrypted on the way to disk. */
export interface TrackWriter {
  write(samples: Int16Array): void;
  close(): Promise<void>;
}

/**
 * Session audio on disk, encrypted at rest (AES-256-GCM), only for agents with `recording: true`.
 * The key never leaves the process; reading verifies every segment's tag.
 */
export class RecordingStore {
  private readonly key: Buffer;

  constructor(
    private readonly dir: string,
    key: string,
  ) {
    this.key = parseRecordingKey(key);
  }

  async open(sessionId: string, track: Track): Promise<TrackWriter> {
    const folder = join(this.dir, sessionId);
    await mkdir(folder, { recursive: true });
    const segment = (await this.segments(sessionId, track)).length;
    const out: WriteStream = createWriteStream(join(folder, `${track}.${String(segment).padStart(3, '0')}.enc`), { flags: 'wx' });
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    out.write(Buffer.concat([MAGIC, iv]));
    let closed = false;
    return {
      write: (samples) => {
        if (!closed && samples.length > 0) out.write(cipher.update(pcm16ToBytes(samples)));
      },
      close: () => {
        if (closed) return Promise.resolve();
        closed = true;
        out.write(cipher.final());
        out.write(cipher.getAuthTag());
        return new Promise((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      },
    };
  }

  /** The track as WAV audio (every segment, in order), or null when nothing was recorded. */
  async read(sessionId: string, track: Track): Promise<WavAudio | null> {
    const files = await this.segments(sessionId, track);
    if (files.length === 0) return null;
    const parts: Int16Array[] = [];
    for (const file of files) parts.push(bytesToPcm16(this.decrypt(await readFile(join(this.dir, sessionId, file)), file)));
    return { sampleRate: RECORDING_RATE, channels: 1, samples: concatPcm16(parts) };
  }

  private decrypt(data: Buffer, file: string): Buffer {
    if (data.length < MAGIC.length + IV_BYTES + TAG_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new RecordingError('recording_unreadable', `Recording segment ${file} is incomplete or not a Parley recording (was the process stopped while it was written?).`);
    }
    const iv = data.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(MAGIC.length + IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new RecordingError('recording_unreadable', `Recording segment ${file} cannot be decrypted: PARLEY_RECORDING_KEY is not the key it was written with, or the file was altered.`);
    }
  }

  private async segments(sessionId: string, track: Track): Promise<string[]> {
    const names = await readdir(join(this.dir, sessionId)).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(`${track}.`) && n.endsWith('.enc')).sort();
  }
}
