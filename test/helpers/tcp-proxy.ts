import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of `target`, to break connections at a chosen
 * moment: `cut()` destroys every live connection (as a crash would), `stall()` silently stops
 * forwarding (a dead network path), `refuse` makes it drop new ones at once (the upstream is
 * down). It counts what came in.
 */
export class TcpProxy {
  /** Connections accepted so far, refused ones included. */
  accepted = 0;
  /** Drop new connections as soon as they arrive. */
  refuse = false;
  /** Every connection accepted, in order: whether it has ended. */
  readonly connections: { closed: boolean }[] = [];
  private readonly live = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetPort, targetHost));
    return proxy;
  }

  /** Connections open right now. */
  get open(): number {
    return this.live.size;
  }

  /** Destroys every live connection, both ways, without a goodbye. */
  cut(): void {
    for (const pair of this.live) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.live.clear();
  }

  /** Stops forwarding on every live connection without closing it: a dead path that sends no close. */
  stall(): void {
    for (const { client, upstream } of this.live) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Resolves once `accepted` reaches `n`. */
  async waitForAccepted(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.accepted < n) {
      if (Date.now() > deadline) throw new Error(`proxy: ${this.accepted} connections within ${timeoutMs} ms, expected ${n}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, port: number, host: string): void {
    this.accepted++;
    const record = { closed: false };
    this.connections.push(record);
    for (const w of this.waiters.splice(0)) w();
    if (this.refuse) {
      record.closed = true;
      return void client.destroy();
    }
    const upstream = net.connect(port, host);
    const pair = { client, upstream };
    this.live.add(pair);
    const drop = (): void => {
      record.closed = true;
      this.live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
