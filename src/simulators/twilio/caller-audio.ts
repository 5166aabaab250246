/**
 * What the caller says, frame by frame: queued recordings in µ-law, then silence (0xFF) — a phone
 * line never stops sending. Payloads are base64 straight from the padded buffer: no per-frame copy.
 */
import type { TwilioSimError } from './errors.js';
import { FRAME_BYTES, ULAW_SILENCE } from './playback.js';

export const SILENCE_PAYLOAD = Buffer.alloc(FRAME_BYTES, ULAW_SILENCE).toString('base64');

interface Utterance {
  ulaw: Buffer;
  offset: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class CallerAudio {
  private queue: Utterance[] = [];
  private closedWith: Error | undefined;

  /** Queues µ-law audio; resolves once its last frame has been taken (sent, or lost in a gap). */
  enqueue(ulaw: Uint8Array): Promise<void> {
    if (this.closedWith) return handled(Promise.reject(this.closedWith));
    // Padded to whole frames with silence: the last frame is full, as on a real line.
    const frames = Math.ceil(ulaw.length / FRAME_BYTES);
    const padded = Buffer.alloc(frames * FRAME_BYTES, ULAW_SILENCE);
    padded.set(ulaw);
    if (frames === 0) return Promise.resolve();
    return handled(new Promise<void>((resolve, reject) => this.queue.push({ ulaw: padded, offset: 0, resolve, reject })));
  }

  /** The next frame's payload (base64), advancing by one frame. */
  nextPayload(): string {
    const u = this.queue[0];
    if (u === undefined) return SILENCE_PAYLOAD;
    const payload = u.ulaw.toString('base64', u.offset, u.offset + FRAME_BYTES);
    this.advance(u);
    return payload;
  }

  /** The next frame is lost (a gap, or a stall too long to catch up): the caller kept talking. */
  skip(): void {
    const u = this.queue[0];
    if (u !== undefined) this.advance(u);
  }

  /** The call is over: what is still queued will never be said. */
  close(err: TwilioSimError): void {
    this.closedWith = err;
    for (const u of this.queue) u.reject(err);
    this.queue = [];
  }

  private advance(u: Utterance): void {
    u.offset += FRAME_BYTES;
    if (u.offset >= u.ulaw.length) {
      this.queue.shift();
      u.resolve();
    }
  }
}

/**
 * Marks a promise as handled, so a test that starts `play()` without awaiting it does not crash
 * on an unhandled rejection when the call ends first; awaiting it still rejects.
 */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
