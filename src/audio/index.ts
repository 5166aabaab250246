export { AudioError, type AudioErrorCode } from './errors.js';
export {
  bytesToPcm16,
  clampInt16,
  concatPcm16,
  downmixToMono,
  float32ToPcm16,
  pcm16ToBytes,
  pcm16ToFloat32,
} from './pcm16.js';
export { alawToPcm16, pcm16ToAlaw, pcm16ToUlaw, ulawToPcm16 } from './g711.js';
export { Resampler, resample } from './resample.js';
export { readWav, writeWav, type ReadWavOptions, type WavAudio } from './wav.js';
export { DBFS_FLOOR, peak, peakDbfs, rms, rmsDbfs, toDbfs } from './levels.js';
export {
  FormatConverter,
  FormatEncoder,
  bytesPerMs,
  bytesPerSample,
  decodeToPcm16,
  durationMs,
  encodeFromPcm16,
  sampleRateOf,
  silenceByte,
  type AudioFormat,
} from './formats.js';
export { OPUS_FRAME_MS, OPUS_FRAME_SAMPLES, OPUS_RTP_CLOCK_RATE, OPUS_SAMPLE_RATE, OpusCodecError, OpusDecoder, OpusEncoder, openOpusCodecs, type OpusErrorCode } from './opus.js';
