import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Headers on every HTTP answer, errors and WebSocket refusals included: browsers must not guess
 * another type than the JSON we declare (`nosniff`). Answers that carry a token (login,
 * refreshToken) add {@link NO_STORE}.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
});

/** No cache, a browser's or a proxy's, may keep an answer that carries a token. */
export const NO_STORE = 'no-store';

/** Whether a request's Origin may call us: no Origin (not a browser), or one in `server.allowOrigin`. */
export function originAllowed(origin: string | undefined, allowOrigin: readonly string[]): boolean {
  return origin === undefined || allowOrigin.includes('*') || allowOrigin.includes(origin);
}

/**
 * Answers on a bare socket, where Node's response object is not available (malformed HTTP, a
 * refused WebSocket upgrade): the envelope as body, then the socket closes.
 */
export function rawAnswer(socket: Duplex, status: number, payload: string): void {
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(payload)}`,
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`);
}

/** Milliseconds the rest of a refused body is read and dropped before its socket is cut. */
const LINGER_MS = 3000;

/**
 * Closes a connection whose request body we refuse without reading it (a 413), so that the client
 * can read our answer. Node destroys the socket once the answer is written; with unread bytes
 * in its buffer the kernel then resets the connection, and a client still sending its body gets
 * ECONNRESET instead of the 413. Like Apache's lingering close, we end our side, keep reading
 * (and dropping) what the client sends, and destroy the socket when the client ends its side or
 * after {@link LINGER_MS}.
 */
export function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  req.resume();
  // http.Server calls destroySoon() once a `Connection: close` answer is written.
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}
