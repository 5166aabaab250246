import OpusScript from 'opusscript';

/**
 * Opus for WebRTC: PCM16 24 kHz mono in 20 ms frames ⇄ Opus packets, through opusscript
 * (libopus compiled to WebAssembly). Each encoder or decoder holds memory inside the wasm
 * module that the garbage collector cannot see, so it must be closed: `close()` frees it,
 * and `openOpusCodecs()` counts the ones still open (tests check calls leave none behind).
 */

/** The rate Parley's Realtime audio runs at; Opus en/decodes it natively. */
export const OPUS_SAMPLE_RATE = 24000;
/** One 20 ms frame at 24 kHz: what WebRTC sends per RTP packet. */
export const OPUS_FRAME_SAMPLES = 480;
export const OPUS_FRAME_MS = 20;
/** RTP carries Opus on a 48 kHz clock whatever rate it was encoded at (RFC 7587). */
export const OPUS_RTP_CLOCK_RATE = 48000;
/** Longest packet libopus decodes into one call: 120 ms at 24 kHz. */
const MAX_DECODED_SAMPLES = 2880;
/** opusscript copies packets into a fixed wasm buffer of this size; longer input is not Opus. */
const MAX_PACKET_BYTES = 3828;

export type OpusErrorCode = 'OPUS_BAD_FRAME' | 'OPUS_BAD_PACKET' | 'OPUS_CLOSED';

export class OpusCodecError extends Error {
  constructor(
    readonly code: OpusErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OpusCodecError';
  }
}

let open = 0;

/** Encoders and decoders created and not yet closed, in this process. */
export function openOpusCodecs(): number {
  return open;
}

abstract class OpusHandle {
  private codec: OpusScript | null;

  protected constructor() {
    this.codec = new OpusScript(OPUS_SAMPLE_RATE, 1, OpusScript.Application.VOIP);
    open++;
  }

  protected get handle(): OpusScript {
    if (!this.codec) throw new OpusCodecError('OPUS_CLOSED', 'This Opus codec is closed; create a new one.');
    return this.codec;
  }

  get closed(): boolean {
    return this.codec === null;
  }

  /** Frees the wasm memory; later calls throw. Safe to call twice. */
  close(): void {
    if (!this.codec) return;
    this.codec.delete();
    this.codec = null;
    open--;
  }
}

export class OpusEncoder extends OpusHandle {
  /** `bitrate` in bit/s; default libopus's choice for 24 kHz voice (~32 kbit/s). */
  constructor(opts: { bitrate?: number } = {}) {
    super();
    if (opts.bitrate !== undefined) this.handle.setBitrate(opts.bitrate);
  }

  /** One 20 ms frame (480 samples at 24 kHz) → one Opus packet. */
  encode(frame: Int16Array): Buffer {
    if (frame.length !== OPUS_FRAME_SAMPLES) {
      throw new OpusCodecError('OPUS_BAD_FRAME', `Opus frames here are ${OPUS_FRAME_SAMPLES} samples (20 ms at 24 kHz); got ${frame.length}. Pad the last frame with silence.`);
    }
    const codec = this.handle;
    // opusscript takes the PCM as little-endian bytes (the wire order; every supported host is little-endian); a view, no copy.
    return codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), OPUS_FRAME_SAMPLES);
  }
}

export class OpusDecoder extends OpusHandle {
  constructor() {
    super();
  }

  /**
   * One Opus packet (any frame size, any encoder rate) → PCM16 at 24 kHz. A packet libopus
   * rejects throws OPUS_BAD_PACKET; the decoder stays usable (a caller fills the gap).
   */
  decode(packet: Uint8Array): Int16Array {
    const codec = this.handle;
    if (packet.byteLength === 0 || packet.byteLength > MAX_PACKET_BYTES) {
      throw new OpusCodecError('OPUS_BAD_PACKET', `An Opus packet is 1–${MAX_PACKET_BYTES} bytes; got ${packet.byteLength}.`);
    }
    let bytes: Buffer;
    try {
      bytes = codec.decode(Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    } catch (err) {
      throw new OpusCodecError('OPUS_BAD_PACKET', `libopus could not decode the packet: ${(err as Error).message}.`);
    }
    const samples = new Int16Array(Math.min(bytes.byteLength >> 1, MAX_DECODED_SAMPLES));
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.byteLength));
    return samples;
  }
}
