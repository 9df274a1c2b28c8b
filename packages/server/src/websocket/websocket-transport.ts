import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fail, isPlainObject, PortcullisError, type Config, type Session } from '@portcullis/core';
import type { Funnel } from '../api/funnel.js';
import { echo, nulRefused, parseGuardedJson } from '../api/json-guard.js';
import { andThen, isPromise, type MaybeAsync } from '../api/maybe-async.js';
import { requestFromEnvelope, requestIdOf, type Connection } from '../api/request.js';
import type { ResponseEnvelope } from '../api/response.js';
import { rawAnswer } from '../http/answer-headers.js';
import { requestIdHeader } from '../http/http-request.js';
import type { TokenLinks } from '../notifications/token-links.js';
import { clientAddress } from '../http/client-address.js';
import { cookieToken } from '../http/cookies.js';
import { addressOf, UpgradeGuard } from './upgrade-guard.js';

/** One open socket and what keeps it honest: the heartbeat's answer and the idle timer. */
interface OpenSocket {
  socket: WebSocket;
  /** Whether the peer answered (or wrote) since the last ping. */
  alive: boolean;
  idle: NodeJS.Timeout | undefined;
  /** When the last request (pings excluded) arrived, in epoch ms, for the idle timer. */
  lastRequest: number;
}

/**
 * The WebSocket adapter around the funnel, on the HTTP server's port: JSON text frames in,
 * envelopes out (with `room` = requestId), `{"p":1}` answered `{"p":2}`. A bad frame gets an
 * error envelope and the socket stays open.
 *
 * Sockets are bounded: upgrades pass the {@link UpgradeGuard} (origin, sockets per address) or
 * get an HTTP error envelope; a socket without a valid token is closed after
 * `server.websocket.idleTimeout` ms without a request; a peer that misses a ping is dropped.
 */
export class WebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<string, OpenSocket>();
  private readonly guard: UpgradeGuard;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    server: Server,
    private readonly funnel: Funnel,
    private readonly links: TokenLinks,
    private readonly config: Readonly<Config>,
    /** The session of a token, to bind a socket whose upgrade carried the authToken cookie. */
    private readonly sessionOf?: (token: string) => Promise<Session>,
  ) {
    // Messages up to maxRequestSize are served; larger ones, up to twice that, get a 413
    // envelope; beyond, ws closes the socket (1009) without buffering the whole message.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.server.maxRequestSize * 2, perMessageDeflate: false });
    this.guard = new UpgradeGuard(config);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // A handshake ws cannot accept (a bad key, a POST) gets an envelope too, not ws's bare answer.
    this.wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) =>
      this.refuseUpgrade(req, socket, fail('network.websocket.unexpected_error', echo(error.message))));
    this.wss.on('error', () => undefined);
    const every = config.server.websocket.heartbeat;
    this.heartbeat = every > 0 ? setInterval(() => this.beat(), every).unref() : undefined;
  }

  /** Whether a connection is open, for the funnel's token observer. */
  has(connectionId: string): boolean {
    return this.sockets.has(connectionId);
  }

  send(connectionId: string, message: unknown): void {
    const socket = this.sockets.get(connectionId)?.socket;
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }

  /** Closes every socket with 1001 (going away) and stops the server. */
  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const { socket } of this.sockets.values()) socket.close(1001, 'server shutting down');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refusal = this.closing ? fail('api.process.shutting_down') : this.guard.refusal(req);
    if (refusal) return this.refuseUpgrade(req, socket, refusal);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private refuseUpgrade(req: IncomingMessage, socket: Duplex, error: PortcullisError): void {
    if (!socket.writable) return void socket.destroy();
    rawAnswer(socket, error.status, JSON.stringify(this.funnel.errorEnvelope(error, { requestId: requestIdHeader(req) })));
  }

  /** Drops the peers that did not answer the previous ping, and pings the others. */
  private beat(): void {
    for (const open of this.sockets.values()) {
      if (!open.alive) {
        open.socket.terminate();
        continue;
      }
      open.alive = false;
      open.socket.ping();
    }
  }

  /** Closes a socket that holds no valid token and sent no request for idleTimeout ms. */
  private armIdle(connectionId: string, open: OpenSocket, delay?: number): void {
    const timeout = this.config.server.websocket.idleTimeout;
    if (timeout === 0) return;
    // Each request notes its time instead of refreshing the timer (cheaper, once per message);
    // the timer, when it fires, waits again for what is left since the last request.
    open.idle = setTimeout(() => {
      const quiet = Date.now() - open.lastRequest;
      if (this.links.has(connectionId)) this.armIdle(connectionId, open);
      else if (quiet < timeout) this.armIdle(connectionId, open, timeout - quiet);
      else open.socket.close(1008, 'no authenticated request in time');
    }, delay ?? timeout);
    open.idle.unref();
  }

  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const ip = clientAddress(req, this.config.server.trustedProxies);
    const id = randomUUID();
    const notify = (message: unknown) => this.send(id, message);
    const connection: Connection = {
      id, protocol: 'websocket', ip, headers: pickHeaders(req), cookie: cookieToken(req.headers, this.config.server.cookies),
      tokens: {
        // A single-use token is spent by the request that binds it: there is nothing to hear of later.
        bind: (session) => session.singleUse !== true && this.links.link(id, session, notify),
        unbind: () => this.links.unlink(id),
      },
    };
    const open: OpenSocket = { socket, alive: true, idle: undefined, lastRequest: Date.now() };
    const address = addressOf(ip);
    this.sockets.set(connection.id, open);
    this.guard.opened(address);
    this.armIdle(connection.id, open);
    this.bindCookie(connection);
    socket.on('pong', () => (open.alive = true));
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
      open.alive = true;
      if (!corked) {
        corked = true;
        stream.cork();
        process.nextTick(uncork);
      }
      try {
        const pending = this.onMessage(connection, open, data, isBinary);
        if (isPromise(pending)) pending.catch((error: unknown) => this.reply(connection, this.funnel.errorEnvelope(error, { requestId: null })));
      } catch (error) {
        this.reply(connection, this.funnel.errorEnvelope(error, { requestId: null }));
      }
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      clearTimeout(open.idle);
      this.guard.closed(address);
      this.sockets.delete(connection.id);
      this.links.unlink(connection.id);
    });
  }

  /**
   * A socket opened with the authToken cookie is authenticated by it: bound to its session at once,
   * so that it hears of the session's end (logout, revocation, expiry) and is not closed as idle.
   * A stale cookie binds nothing: the socket stays open (it may still log in).
   */
  private bindCookie(connection: Connection): void {
    const cookie = connection.cookie;
    if (!cookie || !this.sessionOf) return;
    this.sessionOf(cookie).then(
      (session) => {
        // A request with a token of its own may have bound the socket meanwhile: that binding stands.
        if (this.sockets.has(connection.id) && !this.links.has(connection.id)) connection.tokens?.bind(session);
      },
      () => undefined,
    );
  }

  /** Answers one message: synchronously when the funnel answers at once. */
  private onMessage(connection: Connection, open: OpenSocket, data: RawData, isBinary: boolean): MaybeAsync<void> {
    const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (raw.length > this.config.server.maxRequestSize) {
      return this.reply(connection, this.funnel.errorEnvelope(fail('network.websocket.request_too_large'), { requestId: null }));
    }
    let parsed: unknown;
    let nul: boolean;
    try {
      ({ value: parsed, nul } = parseGuardedJson(raw, this.config.server.maxJsonDepth, 'network.websocket.unexpected_error'));
    } catch (error) {
      return this.reply(connection, this.funnel.errorEnvelope(error, { requestId: null }));
    }
    if (nul) return this.reply(connection, this.funnel.errorEnvelope(nulRefused('request'), { requestId: requestIdOf(parsed) }));
    if (isPlainObject(parsed) && parsed['p'] === 1 && Object.keys(parsed).length === 1) return this.send(connection.id, { p: 2 });
    // Application pings keep a socket alive, not idle: only requests hold off the idle timeout.
    open.lastRequest = Date.now();
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
