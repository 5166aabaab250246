/** Second-order IIR section coefficients, normalised so a0 = 1 (RBJ audio-EQ cookbook). */
export interface BiquadCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** Passes everything unchanged; stands in for a filter that is switched off. */
export const IDENTITY_BIQUAD: Readonly<BiquadCoefficients> = { b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 };

/** Butterworth (Q = 1/√2) high-pass; identity when the cutoff is 0 or not below Nyquist. */
export function highPassBiquad(cutoffHz: number, sampleRate: number): BiquadCoefficients {
  if (!(cutoffHz > 0 && cutoffHz < sampleRate / 2)) return { ...IDENTITY_BIQUAD };
  const { cos, alpha } = prewarp(cutoffHz, sampleRate);
  const a0 = 1 + alpha;
  const b = (1 + cos) / 2 / a0;
  return { b0: b, b1: -2 * b, b2: b, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Butterworth (Q = 1/√2) low-pass; identity when the cutoff is 0 or not below Nyquist. */
export function lowPassBiquad(cutoffHz: number, sampleRate: number): BiquadCoefficients {
  if (!(cutoffHz > 0 && cutoffHz < sampleRate / 2)) return { ...IDENTITY_BIQUAD };
  const { cos, alpha } = prewarp(cutoffHz, sampleRate);
  const a0 = 1 + alpha;
  const b = (1 - cos) / 2 / a0;
  return { b0: b, b1: 2 * b, b2: b, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

function prewarp(cutoffHz: number, sampleRate: number): { cos: number; alpha: number } {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  return { cos: Math.cos(w0), alpha: Math.sin(w0) / (2 * Math.SQRT1_2) };
}
