/**
 * Background level estimate for the energy VAD: the minimum of the frame levels (dB) seen over
 * the last few seconds ("minimum statistics").
 *
 * - **Falls at once**: a frame quieter than the estimate becomes the estimate.
 * - **Rises slowly**: louder frames only count once everything quieter has left the window, so
 *   the estimate follows a noise that got louder (a fan switched on) after one window length,
 *   while speech, which keeps dipping between syllables and words, never lifts it much.
 *
 * The window is kept as `blocks` sub-blocks of `framesPerBlock` frames, each holding its own
 * minimum, so an update costs one comparison per frame plus a scan of the few block minima when
 * a block completes; the window therefore reaches back between `blocks` and `blocks + 1` block
 * lengths.
 * */
export class NoiseFloorTracker {
  private readonly blockMins: Float64Array;
  private readonly framesPerBlock: number;
  /** Next block slot to fill once the current block completes. */
  private slot = 0;
  /** Completed blocks so far, up to `blockMins.length`. */
  private filled = 0;
  private currentMin = Infinity;
  private framesInBlock = 0;
  /** Minimum over the completed blocks in the window. */
  private windowMin = Infinity;

  constructor(blocks: number, framesPerBlock: number) {
    if (!Number.isInteger(blocks) || blocks < 1 || !Number.isInteger(framesPerBlock) || framesPerBlock < 1) {
      throw new RangeError(`NoiseFloorTracker needs whole positive block counts, got ${blocks} × ${framesPerBlock}`);
    }
    this.blockMins = new Float64Array(blocks);
    this.framesPerBlock = framesPerBlock;
  }

  /** The estimate in dB; `Infinity` before the first frame. */
  get level(): number {
    return Math.min(this.windowMin, this.currentMin);
  }

  /** Adds the level of one frame. */
  update(levelDb: number): void {
    if (levelDb < this.currentMin) this.currentMin = levelDb;
    if (++this.framesInBlock < this.framesPerBlock) return;
    this.blockMins[this.slot] = this.currentMin;
    this.slot = (this.slot + 1) % this.blockMins.length;
    if (this.filled < this.blockMins.length) this.filled++;
    this.currentMin = Infinity;
    this.framesInBlock = 0;
    let min = Infinity;
    for (let i = 0; i < this.filled; i++) min = Math.min(min, this.blockMins[i]!);
    this.windowMin = min;
  }
}
