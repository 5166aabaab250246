import { RTCPeerConnection, RTCRtpCodecParameters, type RTCIceServer } from 'werift';
import type { Config } from '../../config/schema.js';

/** What production needs of the server's peer: ports, the announced address, STUN/TURN. */
export interface PeerSettings {
  portRange?: [number, number];
  publicIp?: string;
  iceServers: RTCIceServer[];
}

/** The offer could not be used: the client's SDP is malformed, or offers nothing Parley can answer. */
export class OfferError extends Error {
  constructor(
    readonly code: 'invalid_sdp' | 'missing_sdp' | 'unsupported_sdp',
    message: string,
  ) {
    super(message);
    this.name = 'OfferError';
  }
}

/** `turn:user:secret@host:port?transport=udp` → werift's ICE server; credentials in the URL are taken out of it. */
export function iceServer(url: string): RTCIceServer {
  const m = /^(stuns?|turns?):(?:([^:@]*):([^@]*)@)?(.+)$/.exec(url);
  if (!m) return { urls: url };
  const [, scheme, username, credential, rest] = m;
  return username !== undefined && credential !== undefined ? { urls: `${scheme}:${rest}`, username, credential } : { urls: url };
}

export function peerSettings(c: Config['webrtc']): PeerSettings {
  const range = c.portRange?.split('-').map(Number) as [number, number] | undefined;
  return { ...(range ? { portRange: range } : {}), ...(c.publicIp ? { publicIp: c.publicIp } : {}), iceServers: c.iceServers.map(iceServer) };
}

/** Opus is what every browser sends; Parley answers audio with it and nothing else (no video). */
const opus = (): RTCRtpCodecParameters => new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });

/**
 * The server's side of one call. `loopback`: the caller is on this machine, so loopback host
 * candidates are gathered too (werift leaves them out by default) — tests and local
 * development work without a network interface.
 */
export function createPeer(s: PeerSettings, opts: { loopback: boolean }): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: { audio: [opus()], video: [] },
    iceServers: s.iceServers,
    ...(s.portRange ? { icePortRange: s.portRange } : {}),
    ...(opts.loopback ? { iceAdditionalHostAddresses: ['127.0.0.1'] } : {}),
    // One transport for audio and the data channel: one port per call.
    bundlePolicy: 'max-bundle',
  });
}

/**
 * Checks an offer before a peer is made for it: SDP at all, an audio section offering Opus,
 * and the ICE and DTLS lines a connection needs. Messages say what is missing.
 */
export function checkOffer(sdp: string): void {
  const text = sdp.trim();
  if (text === '') throw new OfferError('missing_sdp', 'The request has no SDP offer: send it as the body (Content-Type: application/sdp) or as the `sdp` part of multipart/form-data.');
  if (!text.startsWith('v=0')) throw new OfferError('invalid_sdp', 'The body is not an SDP offer: SDP starts with "v=0". Send pc.localDescription.sdp after pc.setLocalDescription(await pc.createOffer()).');
  const sections = text.split(/\r?\nm=/).slice(1);
  const audio = sections.filter((s) => s.startsWith('audio '));
  if (audio.length === 0) throw new OfferError('unsupported_sdp', 'The offer has no audio section: add a microphone track (or a transceiver) with pc.addTrack / pc.addTransceiver("audio") before creating the offer.');
  if (!audio.some((s) => /^a=rtpmap:\d+ opus\/48000/im.test(s))) throw new OfferError('unsupported_sdp', 'The offer\'s audio does not include Opus (a=rtpmap:<pt> opus/48000/2), the only codec Parley speaks.');
  if (!/^a=ice-ufrag:/m.test(text) || !/^a=ice-pwd:/m.test(text)) throw new OfferError('invalid_sdp', 'The offer has no ICE credentials (a=ice-ufrag / a=ice-pwd).');
  if (!/^a=fingerprint:/m.test(text)) throw new OfferError('invalid_sdp', 'The offer has no DTLS fingerprint (a=fingerprint); media would not be encrypted.');
}

/** Waits until the peer has gathered its candidates (the answer carries them: no trickle over HTTP). */
function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      sub.unSubscribe();
      resolve();
    }, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(t);
      sub.unSubscribe();
      resolve();
    });
  });
}

/**
 * Applies the offer and returns the answer SDP with every candidate gathered (STUN included, up
 * to `gatherMs`). The first audio section sends and receives (as far as the offer allows).
 */
export async function answer(pc: RTCPeerConnection, offer: string, s: PeerSettings, gatherMs = 5000): Promise<string> {
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  } catch (err) {
    throw new OfferError('invalid_sdp', `The SDP offer could not be applied: ${(err as Error).message}.`);
  }
  const audio = pc.getTransceivers().find((t) => t.kind === 'audio');
  if (!audio) throw new OfferError('unsupported_sdp', 'The offer has no usable audio section.');
  audio.setDirection('sendrecv');
  try {
    await pc.setLocalDescription(await pc.createAnswer());
  } catch (err) {
    // werift accepts some offers it then cannot answer (a data channel section without SCTP, say).
    throw new OfferError('invalid_sdp', `No answer can be made for this offer: ${(err as Error).message}.`);
  }
  await gathered(pc, gatherMs);
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('werift produced no local description');
  return s.publicIp ? announce(sdp, s.publicIp) : sdp;
}

const isLoopback = (address: string): boolean => address.startsWith('127.') || address === '::1';
const isV6 = (address: string): boolean => address.includes(':');

/**
 * Behind 1:1 NAT the server's own addresses are unreachable: its host candidates of the public
 * address's family are announced with the public address instead (the ports are forwarded
 * one-to-one), as media servers' "announced IP" does. Loopback candidates stay.
 */
export function announce(sdp: string, publicIp: string): string {
  return sdp.replace(/^(a=candidate:\S+ \d+ udp \d+ )(\S+)( \d+ typ host)/gim, (line, head: string, address: string, tail: string) =>
    isLoopback(address) || isV6(address) !== isV6(publicIp) ? line : `${head}${publicIp}${tail}`,
  );
}
