import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/** An HTTP answer read off a bare socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection (within the timeout). */
  closed: boolean;
}

/** Parses the first HTTP answer of a byte stream (Content-Length framed, as ours are). */
export function parseAnswer(raw: string, closed: boolean): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = raw.slice(0, end === -1 ? raw.length : end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = end === -1 ? '' : raw.slice(end + 4);
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: Number.isFinite(length) ? rest.slice(0, length) : rest, closed };
}

/**
 * Writes `parts` to a fresh connection (each part in its own write, as a client streaming a body
 * would), and resolves with the first answer once the server closes the connection, or after
 * `timeoutMs` (then `closed` is false). Write errors (the server cut us off) are ignored: what
 * matters is what we could read.
 */
export function rawExchange(url: string, parts: Array<string | Buffer>, timeoutMs = 5000, endAfterWrite = false): Promise<RawAnswer & { raw: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    // endAfterWrite: the client has said all it will say (a half-close), so nothing may wait for more.
    const socket: Socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true }, () =>
      void writeAll(socket, parts).then(() => endAfterWrite && !socket.destroyed && socket.end()));
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      resolve({ ...parseAnswer(raw, closed), raw });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
  });
}

async function writeAll(socket: Socket, parts: Array<string | Buffer>): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed || !socket.writable) return;
    const flushed = socket.write(part);
    if (!flushed) await new Promise((resolve) => { socket.once('drain', resolve); socket.once('close', resolve); });
  }
}

/** One HTTP/1.1 request as bytes: exactly the headers given, nothing added. */
export function httpRequest(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Opens a WebSocket; resolves with it, or with the HTTP answer that refused the upgrade. */
export function upgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<{ socket?: WebSocket; refused?: { status: number; headers: IncomingMessage['headers']; body: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), options);
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ refused: { status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> } }));
    });
    socket.once('error', (error) => reject(error));
  });
}
