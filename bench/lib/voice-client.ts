/**
 * A minimal Realtime WebSocket client for the voice benchmarks: records every server event
 * with the time it arrived (`performance.now()` in this process) and lets the caller wait for
 * the next event of a type.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { builtinToolDefinition, BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';

// Server events are read freely; their shapes are the protocol's, checked where it matters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any> & { type: string };

export interface Received {
  event: Json;
  /** performance.now() when the message was parsed. */
  at: number;
}

export const ALL_TOOLS = (Object.keys(BUILTIN_TOOLS) as BuiltinToolName[]).map(builtinToolDefinition);

export class VoiceClient {
  readonly received: Received[] = [];
  private waiters: { match: (e: Json) => boolean; resolve: (r: Received) => void; timer: NodeJS.Timeout }[] = [];
  private cursor = 0;
  /** Called on every event as it arrives (before waiters are resolved). */
  onEvent: ((r: Received) => void) | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = performance.now();
      const r: Received = { event: JSON.parse(String(data)) as Json, at };
      this.received.push(r);
      this.onEvent?.(r);
      for (const w of [...this.waiters]) {
        if (w.match(r.event)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          this.cursor = this.received.indexOf(r) + 1;
          w.resolve(r);
        }
      }
    });
  }

  static async connect(url: string): Promise<VoiceClient> {
    const ws = new WebSocket(url);
    const client = new VoiceClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Sends PCM16 as one `input_audio_buffer.append`. */
  append(samples: Int16Array): void {
    this.send({ type: 'input_audio_buffer.append', audio: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64') });
  }

  /** The next event (after those already consumed) of `type` (or one of several) matching `pred`. */
  next(type: string | readonly string[], pred: (e: Json) => boolean = () => true, timeoutMs = 10_000): Promise<Received> {
    const types: readonly string[] = typeof type === 'string' ? [type] : type;
    const match = (e: Json): boolean => types.includes(e.type) && pred(e);
    for (let i = this.cursor; i < this.received.length; i++) {
      const r = this.received[i]!;
      if (match(r.event)) {
        this.cursor = i + 1;
        return Promise.resolve(r);
      }
    }
    return new Promise<Received>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`timed out waiting for ${types.join(' or ')}; since then: ${this.received.slice(this.cursor).map((r) => r.event.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.push({ match, resolve, timer });
    });
  }

  /** Events received so far of `type` (all of them, consumed or not). */
  all(type: string): Json[] {
    return this.received.filter((r) => r.event.type === type).map((r) => r.event);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Opens a session and applies `session` (merged over type: 'realtime'). */
export async function openSession(url: string, session: Record<string, unknown>): Promise<VoiceClient> {
  const client = await VoiceClient.connect(url);
  await client.next('session.created');
  client.send({ type: 'session.update', session: { type: 'realtime', ...session } });
  await client.next('session.updated');
  return client;
}
