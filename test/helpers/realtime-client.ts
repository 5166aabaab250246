import WebSocket from 'ws';

// Tests read nested fields of server events freely; the shapes are asserted, not typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any> & { type: string };

/**
 * A minimal raw Realtime WebSocket client for tests: records every server
 * event and lets a test wait for the next event of a type.
 */
export class RawClient {
  readonly events: Json[] = [];
  /** Arrival time (Date.now()) of each event, index for index. */
  readonly times: number[] = [];
  private waiters: { pred: (e: Json) => boolean; resolve: (e: Json) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private cursor = 0;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The headers of the server's 101 answer (`x-parley-node`: the node that took the connection). */
  upgradeHeaders: Record<string, string | string[] | undefined> = {};

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as Json;
      this.events.push(e);
      this.times.push(Date.now());
      for (const w of [...this.waiters]) {
        if (w.pred(e)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  }

  static async connect(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<RawClient> {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
    const client = new RawClient(ws);
    ws.once('upgrade', (res) => (client.upgradeHeaders = res.headers));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next event (after those already consumed) matching type/predicate. */
  next<T extends Json = Json>(type: string, pred: (e: Json) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    const match = (e: Json): boolean => e.type === type && pred(e);
    for (let i = this.cursor; i < this.events.length; i++) {
      const e = this.events[i] as Json;
      if (match(e)) {
        this.cursor = i + 1;
        return Promise.resolve(e as T);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got: ${this.events.slice(this.cursor).map((e) => e.type).join(', ')}`)), timeoutMs);
      this.waiters.push({
        pred: match,
        resolve: (e) => {
          this.cursor = this.events.indexOf(e) + 1;
          resolve(e as T);
        },
        reject,
        timer,
      });
    });
  }

  /** Resolves once `cond` holds (checked on every event), or rejects after the timeout. */
  async waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out; last events: ${this.types().slice(-5).join(', ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Event types received since `from` (index into events). */
  types(from = 0): string[] {
    return this.events.slice(from).map((e) => e.type);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** A WebSocket upgrade the server must refuse: resolves with the HTTP status and the error code of its JSON body. */
export function refusedUpgrade(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string } }).error.code }));
    });
    ws.once('error', () => undefined);
  });
}

/** What a response said: its messages' transcripts (audio) or texts, joined. */
export const spokenText = (response: Json): string =>
  (response.output as { type: string; content?: { transcript?: string; text?: string }[] }[])
    .filter((i) => i.type === 'message')
    .map((i) => i.content?.[0]?.transcript ?? i.content?.[0]?.text ?? '')
    .join(' ');
