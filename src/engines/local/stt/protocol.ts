/*
 * The pipe protocol between PocketsphinxRecognizer and worker/pocketsphinx_worker.py.
 *
 * Requests (stdin) are binary frames: u32le payload length, u8 type, u32le stream id, payload.
 * Replies (stdout) are JSON lines. Both ends process messages strictly in order, so a grammar
 * sent before a START is loaded when the START is handled, and an END follows all the audio
 * written before it.
 */

export const FRAME_HEADER_BYTES = 9;

export const FrameType = {
  /** id 0; JSON { key, jsgf, words: [[word, phones], ...] } */
  GRAMMAR: 1,
  /** JSON { grammar: key, partialMs } */
  START: 2,
  /** PCM16LE mono samples at 16 kHz */
  AUDIO: 3,
  END: 4,
  CANCEL: 5,
  /** Answered by a `pong` with the worker's memory and decoder counts. */
  PING: 6,
} as const;

export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export function encodeFrame(type: FrameType, id: number, payload?: Uint8Array | string): Buffer {
  const body = payload === undefined ? undefined : typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = body?.byteLength ?? 0;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32LE(length, 0);
  frame.writeUInt8(type, 4);
  frame.writeUInt32LE(id >>> 0, 5);
  if (body !== undefined) frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

export interface ReadyMessage {
  t: 'ready';
  pid: number;
  rssKb: number | null;
  decoders: number;
  /** 'utterance': per-utterance CMN is active; 'live': pocketsphinx's own (see cmnError). */
  cmn: 'utterance' | 'live';
  cmnError: string | null;
}

export interface PongMessage {
  t: 'pong';
  id: number;
  rssKb: number | null;
  decoders: number;
  idle: number;
  streams: number;
}

export type WorkerMessage =
  | ReadyMessage
  | PongMessage
  | { t: 'grammar'; key: string; ok: boolean; message?: string }
  | { t: 'partial'; id: number; text: string }
  | { t: 'final'; id: number; text: string; samples: number }
  | { t: 'error'; id: number; code: string; message: string }
  | { t: 'fatal'; code: string; message: string; missing?: string[] };
