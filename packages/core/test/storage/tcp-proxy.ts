import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a real service, so that a test can make the service vanish
 * (`stop`), come back on the same port (`start`), or hang without closing (`pause`).
 */
export class TcpProxy {
  port = 0;
  private server: Server | undefined;
  private readonly links = new Set<{ client: Socket; upstream: Socket }>();
  private paused = false;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on the port of the previous start, or a free one the first time. */
  async start(): Promise<number> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Closes the listener and every relayed connection, as a crashed service would. */
  async stop(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.links.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops relaying requests while keeping the connections open: the service seems to hang. */
  pause(): void {
    this.paused = true;
    for (const { client, upstream } of this.links) client.unpipe(upstream);
  }

  /** Relays again, the held requests first. */
  resume(): void {
    this.paused = false;
    for (const { client, upstream } of this.links) client.pipe(upstream);
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const link = { client, upstream };
    this.links.add(link);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.pipe(client);
    if (!this.paused) client.pipe(upstream);
  }
}
