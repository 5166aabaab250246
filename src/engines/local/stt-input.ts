import { FormatConverter, sampleRateOf, type AudioFormat } from '../../audio/formats.js';
import { HighBandNoise } from '../../audio/high-band-noise.js';

/**
 * The caller's audio as the recogniser takes it: decoded and resampled to its rate. Input of
 * less than half that bandwidth (telephone audio at 8 kHz) also gets a faint noise floor above
 * its band, which the wideband acoustic model needs to hear it right (see HighBandNoise).
 */
export class SttInput {
  private readonly converter: FormatConverter;
  private readonly floor: HighBandNoise | null;

  constructor(format: AudioFormat, sttRate: number) {
    this.converter = new FormatConverter(format, sttRate);
    this.floor = sampleRateOf(format) * 1.5 < sttRate ? new HighBandNoise() : null;
  }

  convert(bytes: Uint8Array): Int16Array {
    const pcm = this.converter.convert(bytes);
    return this.floor ? this.floor.addTo(pcm) : pcm;
  }

  flush(): Int16Array {
    const pcm = this.converter.flush();
    return this.floor ? this.floor.addTo(pcm) : pcm;
  }
}
