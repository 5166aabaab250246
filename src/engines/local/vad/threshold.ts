/**
 * How the protocol's `threshold` (0..1, "higher needs louder speech") becomes the two level
 * gates of the energy VAD. A 10 ms frame counts as speech when its level (over the 20 ms ending
 * with it) is above BOTH
 *
 * - `floor + marginDb`: the adaptive noise floor plus a margin, so steady background noise
 *   never counts however loud it is, and
 * - `minLevelDbfs`: an absolute minimum, so digital silence with a little noise on top (where
 *   the floor sits near −100 dBFS and any margin is easy to beat) never counts either.
 *
 * Both rise monotonically with the threshold; the curves are piecewise linear through these
 * points:
 *
 * | threshold | margin above floor | absolute minimum |
 * | --- | --- | --- |
 * | 0    |  4 dB | −70 dBFS |
 * | 0.5  | 10 dB | −50 dBFS |
 * | 1    | 30 dB | −15 dBFS |
 *
 * Levels are measured after the VAD's 300–3400 Hz band-pass, over 20 ms.
 *
 * Measured on six espeak-ng utterances in silence, the quietest active speech level (RMS over
 * the utterance) still detected as one turn for all six: −55 dBFS (the quietest tried) at 0.3,
 * −50 at 0.5, −35 at 0.7, −25 at 0.8, −20 at 0.9, −15 at 0.95. So the default 0.5 takes normal
 * and quiet speech, in steady noise down to 5 dB SNR (0 dB for hum and rumble); above 0.5 the
 * curve climbs steeply until, at 0.95, only loud close-talking speech gets through.
 */

export interface EnergyVadLevels {
  /** dB above the noise floor a frame must reach to count as speech. */
  marginDb: number;
  /** dBFS a frame must reach to count as speech, whatever the floor. */
  minLevelDbfs: number;
}

const MARGIN_DB = [4, 10, 30] as const;
const MIN_LEVEL_DBFS = [-70, -50, -15] as const;

/** The gates for a protocol threshold; values outside 0..1 (or NaN, read as 0.5) are clamped. */
export function energyVadLevels(threshold: number): EnergyVadLevels {
  const t = Number.isNaN(threshold) ? 0.5 : Math.min(1, Math.max(0, threshold));
  return { marginDb: piecewise(MARGIN_DB, t), minLevelDbfs: piecewise(MIN_LEVEL_DBFS, t) };
}

/** Linear between points[0] at 0, points[1] at 0.5 and points[2] at 1. */
function piecewise(points: readonly [number, number, number], t: number): number {
  return t <= 0.5 ? points[0] + (points[1] - points[0]) * (t / 0.5) : points[1] + (points[2] - points[1]) * ((t - 0.5) / 0.5);
}
