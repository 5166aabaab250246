/** PCM16 little-endian ⇄ base64, as `input_audio_buffer.append` and audio deltas carry it. */
export function pcmToBase64(pcm: Int16Array): string {
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function base64ToPcm(b64: string): Int16Array {
  const bin = atob(b64);
  const out = new Int16Array(bin.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bin.charCodeAt(2 * i) | (bin.charCodeAt(2 * i + 1) << 24 >> 16);
  return out;
}

/** The Realtime API's PCM rate: the WebSocket mode runs its AudioContext at it, so no resampling here. */
export const SAMPLE_RATE = 24000;
