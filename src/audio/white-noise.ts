/**
 * Gaussian-ish white noise of unit RMS (sum of four xorshift32 uniforms), as a stream: the same
 * seed always gives the same samples, however they are asked for. The load tool's microphones
 * hiss with it (a real line is never digital silence); the benchmarks mix it into speech.
 */
export class WhiteNoise {
  private state: number;

  constructor(seed = 0x2545f491) {
    this.state = seed >>> 0 || 1;
  }

  private uniform(): number {
    let s = this.state;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.state = s >>> 0;
    return this.state / 0x100000000 - 0.5;
  }

  /** The next `length` samples: the sum of 4 uniforms on ±½ has variance 1/3, hence the √3. */
  next(length: number): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = (this.uniform() + this.uniform() + this.uniform() + this.uniform()) * Math.sqrt(3);
    return out;
  }
}
