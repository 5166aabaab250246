/**
 * What a call transport reports about its audio frames, one direction each. Called only when
 * something goes wrong (a late or lost frame) — except `lateness`, once per batch of frames
 * sent — so the per-frame path stays a comparison and nothing more.
 */
export interface FrameMeter {
  /** Frames that arrived after their time had passed (inbound: discarded), or left after their play time (outbound: the caller heard a gap). */
  late(frames: number): void;
  /** Frames lost: never arrived (inbound: their time filled with silence, or not decodable), or could not be sent (outbound). */
  dropped(frames: number): void;
}

export interface OutboundMeter extends FrameMeter {
  /** How long after its slot in the playout schedule a batch of frames left, in ms. */
  lateness(ms: number): void;
}

/** One call's audio meters: the caller's frames in, the agent's out. */
export interface CallAudioMeter {
  inbound: FrameMeter;
  outbound: OutboundMeter;
}
