// Runs on the audio thread: the microphone (already at the context's 24 kHz) → PCM16 chunks for
// `input_audio_buffer.append`, and its level for the meter. Chunks of 40 ms keep the message rate
// at 25/s, well under the server's per-connection limit.
const CHUNK_MS = 40;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly chunk = new Int16Array(Math.round((sampleRate * CHUNK_MS) / 1000));
  private filled = 0;
  private sumSquares = 0;

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      const s = Math.max(-1, Math.min(1, input[i]!));
      this.sumSquares += s * s;
      this.chunk[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === this.chunk.length) this.flush();
    }
    return true;
  }

  private flush(): void {
    const pcm = this.chunk.slice();
    const rms = Math.sqrt(this.sumSquares / pcm.length);
    this.port.postMessage({ pcm, rms }, [pcm.buffer]);
    this.filled = 0;
    this.sumSquares = 0;
  }
}

registerProcessor('parley-capture', CaptureProcessor);
