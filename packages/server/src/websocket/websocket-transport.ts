import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fail, isPlainObject, PortcullisError, type Config } from '@portcullis/core';
import type { Funnel } from '../api/funnel.js';
import { andThen, isPromise, type MaybeAsync } from '../api/maybe-async.js';
import { requestFromEnvelope, requestIdOf, type Connection } from '../api/request.js';
import type { ResponseEnvelope } from '../api/response.js';
import type { TokenLinks } from '../notifications/token-links.js';
import { clientAddress } from '../http/client-address.js';

/**
 * The WebSocket adapter around the funnel, on the HTTP server's port: JSON text frames in,
 * envelopes out (with `room` = requestId), `{"p":1}` answered `{"p":2}`. A bad frame gets an
 * error envelope and the socket stays open.
 */
export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<string, WebSocket>();

  constructor(
    server: Server,
    private readonly funnel: Funnel,
    private readonly links: TokenLinks,
    private readonly config: Readonly<Config>,
  ) {
    // Messages up to maxRequestSize are served; larger ones, up to twice that, get a 413
    // envelope; beyond, ws closes the socket (1009) without buffering the whole message.
    this.wss = new WebSocketServer({ server, maxPayload: config.server.maxRequestSize * 2, perMessageDeflate: false });
    this.wss.on('connection', (socket, req) => this.accept(socket, req));
    this.wss.on('error', () => undefined);
  }

  /** Whether a connection is open, for the funnel's token observer. */
  has(connectionId: string): boolean {
    return this.sockets.has(connectionId);
  }

  send(connectionId: string, message: unknown): void {
    const socket = this.sockets.get(connectionId);
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }

  /** Closes every socket with 1001 (going away) and stops the server. */
  close(): Promise<void> {
    for (const socket of this.sockets.values()) socket.close(1001, 'server shutting down');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const connection: Connection = { id: randomUUID(), protocol: 'websocket', ip: clientAddress(req, this.config.server.trustedProxies), headers: pickHeaders(req) };
    this.sockets.set(connection.id, socket);
    // The answers to the messages of one read leave in one write: a client with requests in
    // flight then costs one syscall per batch, not one per message. Answers that wait for a
    // store go out on their own, as soon as they are ready.
    const stream = req.socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      stream.uncork();
    };
    socket.on('message', (data, isBinary) => {
      if (!corked) {
        corked = true;
        stream.cork();
        process.nextTick(uncork);
      }
      try {
        const pending = this.onMessage(connection, data, isBinary);
        if (isPromise(pending)) pending.catch((error: unknown) => this.reply(connection, this.funnel.errorEnvelope(error, { requestId: null })));
      } catch (error) {
        this.reply(connection, this.funnel.errorEnvelope(error, { requestId: null }));
      }
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      this.sockets.delete(connection.id);
      this.links.unlink(connection.id);
    });
  }

  /** Answers one message: synchronously when the funnel answers at once. */
  private onMessage(connection: Connection, data: RawData, isBinary: boolean): MaybeAsync<void> {
    const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (raw.length > this.config.server.maxRequestSize) {
      return this.reply(connection, this.funnel.errorEnvelope(fail('network.websocket.request_too_large'), { requestId: null }));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return this.reply(connection, this.funnel.errorEnvelope(new PortcullisError('network.websocket.unexpected_error', [(error as Error).message]), { requestId: null }));
    }
    if (isPlainObject(parsed) && parsed['p'] === 1 && Object.keys(parsed).length === 1) return this.send(connection.id, { p: 2 });
    if (!isPlainObject(parsed) || isBinary) {
      return this.reply(connection, this.funnel.errorEnvelope(fail('network.websocket.unexpected_error', 'a request must be a JSON object'), { requestId: requestIdOf(parsed) }));
    }
    let request;
    try {
      request = requestFromEnvelope(parsed);
    } catch (error) {
      return this.reply(connection, this.funnel.errorEnvelope(error, { requestId: requestIdOf(parsed) }));
    }
    return andThen(this.funnel.execute(request, connection), (response) => this.reply(connection, response));
  }

  /** Sends an envelope, which over WebSocket also names its room (the envelope is this request's own: no copy). */
  private reply(connection: Connection, response: ResponseEnvelope): void {
    response.room = response.requestId;
    this.send(connection.id, response);
  }
}

function pickHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const { authorization: _authorization, cookie: _cookie, ...rest } = req.headers;
  return rest;
}
