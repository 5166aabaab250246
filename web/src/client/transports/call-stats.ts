// Kept apart from call.ts: Node-side tests read these through window.parley without the DOM's types.
export interface CallStats {
  /** Agent audio that reached the speaker, in ms. */
  playedMs: number;
  /** Barge-ins: the item cut off and where (ms heard). */
  truncations: Array<{ itemId: string; audioEndMs: number }>;
}
