import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';

/** What one node may ask another to do. */
const Request = z.object({ kind: z.literal('request'), id: z.string(), from: z.string(), op: z.literal('end_session'), sessionId: z.string(), reason: z.string() });
const Reply = z.object({ kind: z.literal('reply'), id: z.string(), ok: z.boolean(), message: z.string().optional() });
const Message = z.discriminatedUnion('kind', [Request, Reply]);
export type ControlRequest = z.infer<typeof Request>;
export type ControlReply = Pick<z.infer<typeof Reply>, 'ok' | 'message'>;

export class ControlError extends Error {
  constructor(
    readonly code: 'node_unreachable' | 'node_timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

const channel = (node: string): string => `parley:control:${node}`;

/**
 * Requests between nodes over Redis pub/sub: each node listens on its own channel, and a reply
 * goes to the asker's channel. A request nobody receives (the node is gone) fails at once; one
 * that is received but not answered in time fails with a timeout.
 */
export class ControlBus {
  private readonly pending = new Map<string, { resolve: (r: ControlReply) => void; timer: NodeJS.Timeout }>();
  private handler: (req: ControlRequest) => Promise<ControlReply> = () => Promise.resolve({ ok: false, message: 'not ready' });

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  static async start(pub: Redis, sub: Redis, nodeId: string, logger: Logger): Promise<ControlBus> {
    const bus = new ControlBus(pub, sub, nodeId, logger);
    sub.on('message', (ch: string, text: string) => {
      if (ch === channel(nodeId)) bus.receive(text);
    });
    await sub.subscribe(channel(nodeId));
    return bus;
  }

  /** What this node does when asked. */
  serve(handler: (req: ControlRequest) => Promise<ControlReply>): void {
    this.handler = handler;
  }

  async ask(node: string, req: Omit<ControlRequest, 'kind' | 'id' | 'from'>, timeoutMs = 10_000): Promise<ControlReply> {
    const id = randomUUID();
    const reply = new Promise<ControlReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ControlError('node_timeout', `Node ${node} did not answer within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
    });
    // Whatever stops the request here (Redis away, nobody listening) must also disarm its timer:
    // a timeout rejecting later, with nobody awaiting the reply, would be an unhandled rejection.
    const giveUp = (): void => {
      const p = this.pending.get(id);
      if (p) clearTimeout(p.timer);
      this.pending.delete(id);
      reply.catch(() => undefined);
    };
    let receivers: number;
    try {
      receivers = await this.pub.publish(channel(node), JSON.stringify({ kind: 'request', id, from: this.nodeId, ...req } satisfies ControlRequest));
    } catch (err) {
      giveUp();
      throw err;
    }
    if (receivers === 0) {
      giveUp();
      throw new ControlError('node_unreachable', `Node ${node} is not connected to Redis (stopped or crashed).`);
    }
    return reply;
  }

  private receive(text: string): void {
    let msg: z.infer<typeof Message>;
    try {
      msg = Message.parse(JSON.parse(text));
    } catch (err) {
      this.logger.warn({ err }, 'ignored a malformed control message');
      return;
    }
    if (msg.kind === 'reply') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
      p.resolve({ ok: msg.ok, ...(msg.message !== undefined ? { message: msg.message } : {}) });
      return;
    }
    const req = msg;
    this.handler(req)
      .catch((err: unknown) => ({ ok: false, message: (err as Error).message }))
      .then((r) => this.pub.publish(channel(req.from), JSON.stringify({ kind: 'reply', id: req.id, ...r })))
      .catch((err: unknown) => this.logger.warn({ err, from: req.from }, 'could not answer a control request'));
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await this.sub.unsubscribe().catch(() => undefined);
  }
}
