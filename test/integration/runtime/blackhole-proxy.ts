import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that can black-hole traffic, for partition tests: while black-holed, bytes in both
 * directions are dropped (not delayed) and new connections are accepted but go nowhere, like packets lost
 * on a broken route. Healing destroys every connection that lived through the partition (their streams
 * lost bytes, as conntrack state would be lost) and forwards new ones normally again.
 */
export class BlackholeProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; damaged: boolean }>();
  private blackholed = false;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      const pair = { client, upstream, damaged: this.blackholed };
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket): void => {
        from.on('data', (chunk: Buffer) => {
          if (this.blackholed) pair.damaged = true;
          else to.write(chunk);
        });
      };
      forward(client, upstream);
      forward(upstream, client);
      const close = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) s.on('close', close).on('error', close);
    });
  }

  /** Starts a proxy to `target` (an `https://host:port` URL) on 127.0.0.1. */
  static async start(target: string): Promise<BlackholeProxy> {
    const url = new URL(target);
    const proxy = new BlackholeProxy({ host: url.hostname, port: Number(url.port) });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops everything from now on. */
  blackhole(): void {
    this.blackholed = true;
  }

  /** Ends the partition. */
  heal(): void {
    this.blackholed = false;
    for (const pair of this.pairs) {
      if (!pair.damaged) continue;
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
