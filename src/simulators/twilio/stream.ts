/**
 * One Media Stream WebSocket, Twilio's end of it: the signed upgrade, `connected` and `start`, then
 * `media`/`dtmf`/`mark` echoes with the per-stream counters, and `stop`. Messages from the
 * application are validated; anything invalid is reported, never thrown.
 */
import WebSocket from 'ws';
import { TwilioSimError } from './errors.js';
import { connectedJson, dtmfJson, markEchoJson, mediaJson, parseServerMessage, startJson, stopJson, type ServerMessage } from './messages.js';

export interface StreamEnd {
  code: number;
  reason: string;
  /** `twilio`: the simulator sent `stop` and closed; `server`: the application closed (or dropped) the socket. */
  closedBy: 'twilio' | 'server';
}

export interface StreamLegOptions {
  url: string;
  streamSid: string;
  accountSid: string;
  callSid: string;
  /** `X-Twilio-Signature` for the upgrade; null sends none. */
  signature: string | null;
  onMessage: (msg: ServerMessage) => void;
  /** A message that breaks the protocol, or a socket error: one line for `call.errors`. */
  onError: (reason: string) => void;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;

export class StreamLeg {
  readonly closed: Promise<StreamEnd>;
  private seq = 0;
  private chunk = 0;
  private stopping = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly opts: StreamLegOptions,
  ) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), closedBy: this.stopping ? 'twilio' : 'server' }));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return opts.onError('binary WebSocket frame: Twilio accepts only JSON text messages');
      const msg = parseServerMessage(rawText(data), opts.streamSid);
      if (typeof msg === 'string') opts.onError(msg);
      else opts.onMessage(msg);
    });
    ws.on('error', (err) => opts.onError(`stream socket error: ${err.message}`));
  }

  /**
   * Opens the socket (resolves on 101). A refused upgrade rejects with STREAM_HANDSHAKE_FAILED and
   * the HTTP status and body (Twilio logs error 31920 for it).
   */
  static open(opts: StreamLegOptions): Promise<StreamLeg> {
    const headers: Record<string, string> = { 'User-Agent': 'Twilio.TmeWs/1.0' };
    if (opts.signature !== null) headers['X-Twilio-Signature'] = opts.signature;
    const ws = new WebSocket(opts.url, { headers, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => void (body.length < 4096 && (body += c)));
        res.on('end', () => {
          req.destroy();
          reject(new TwilioSimError('STREAM_HANDSHAKE_FAILED', `${opts.url} answered the WebSocket upgrade with HTTP ${res.statusCode} instead of 101 (Twilio error 31920): ${body.slice(0, 200) || '(no body)'}`, res.statusCode, body));
        });
      });
      const onError = (err: Error): void => reject(new TwilioSimError('STREAM_HANDSHAKE_FAILED', `could not open the media stream ${opts.url}: ${err.message} (is Parley running and is its PUBLIC_URL reachable?)`));
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new StreamLeg(ws, opts));
      });
    });
  }

  get streamSid(): string {
    return this.opts.streamSid;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.stopping;
  }

  /** `connected`, then `start` (sequence number 1). */
  start(customParameters: Record<string, string>): void {
    this.ws.send(connectedJson());
    this.ws.send(startJson(++this.seq, this.opts.streamSid, this.opts.accountSid, this.opts.callSid, customParameters));
  }

  sendMedia(timestampMs: number, payload: string): void {
    if (this.isOpen) this.ws.send(mediaJson(++this.seq, this.opts.streamSid, ++this.chunk, timestampMs, payload));
  }

  sendDtmf(digit: string): void {
    if (this.isOpen) this.ws.send(dtmfJson(++this.seq, this.opts.streamSid, digit));
  }

  sendMarkEcho(name: string): void {
    if (this.isOpen) this.ws.send(markEchoJson(++this.seq, this.opts.streamSid, name));
  }

  /** Twilio ends a stream with `stop`, then closes the socket. Resolves when it is closed. */
  stop(): Promise<StreamEnd> {
    if (this.ws.readyState === WebSocket.OPEN && !this.stopping) {
      this.ws.send(stopJson(++this.seq, this.opts.streamSid, this.opts.accountSid, this.opts.callSid));
      this.stopping = true;
      this.ws.close(1000);
      // An application that never answers the close handshake does not hold the call open.
      const timer = setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS);
      void this.closed.then(() => clearTimeout(timer));
    } else if (this.ws.readyState === WebSocket.CONNECTING) {
      this.stopping = true;
      this.ws.terminate();
    }
    return this.closed;
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
