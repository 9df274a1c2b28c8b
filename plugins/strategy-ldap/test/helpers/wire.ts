import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to a real server that keeps every byte the client sent, so that a test can tell
 * what crossed the wire in clear text; or, without a target, a server that accepts
 * connections and never answers (a directory hung mid-handshake).
 */
export class Wire {
  readonly sent: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly target?: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('error', () => undefined);
      if (!this.target) return;
      const upstream = connect(this.target);
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('data', (chunk: Buffer) => this.sent.push(Buffer.from(chunk)));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Whether `text` crossed the wire from the client in clear. */
  carried(text: string): boolean {
    return Buffer.concat(this.sent).includes(Buffer.from(text));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
