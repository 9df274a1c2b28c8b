import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fail, type Config } from '@portcullis/core';
import type { Funnel } from '../api/funnel.js';
import { andThen, isPromise, type MaybeAsync } from '../api/maybe-async.js';
import type { ApiRequest, Connection } from '../api/request.js';
import { echo, headerSafe } from '../api/json-guard.js';
import { envelope, type ResponseEnvelope } from '../api/response.js';
import { lingerOnClose, NO_STORE, originAllowed, rawAnswer, SECURITY_HEADERS } from './answer-headers.js';
import { parseJsonBody, readBody, requestFromHttp, requestFromQuery, requestIdHeader } from './http-request.js';
import type { RouteMatch, Router } from './router.js';
import { clientAddress } from './client-address.js';
import { cookieToken } from './cookies.js';
import { credentialedOrigin } from '../api/cookie-auth.js';

const SERVED_VERBS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/**
 * The HTTP adapter around the funnel: routes METHOD + path to an action, reads and parses the
 * body, answers with the envelope as body and its status as HTTP status. Every failure,
 * malformed HTTP included, is answered with an error envelope.
 */
export class HttpTransport {
  readonly server: Server;
  private stopping = false;
  private requests = 0;

  constructor(
    private readonly funnel: Funnel,
    private readonly router: Router,
    private readonly config: Readonly<Config>,
    private readonly nodeId: string,
    /** Whether the stores answer, for `GET /_ready`. */
    private readonly ready: () => Promise<boolean>,
  ) {
    this.server = createServer({ maxHeaderSize: config.server.maxHeaderSize, requestTimeout: config.server.requestTimeout }, (req, res) => {
      const failed = (error: unknown) => this.send(req, res, this.funnel.errorEnvelope(error, { requestId: null }));
      try {
        const pending = this.handle(req, res);
        if (isPromise(pending)) pending.catch(failed);
      } catch (error) {
        failed(error);
      }
    });
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.clientError(error, socket));
  }

  /** Refuse new requests on kept-alive connections from now on. */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Answers a request: synchronously when it has no body to wait for and the funnel answers at once. */
  private handle(req: IncomingMessage, res: ServerResponse): MaybeAsync<void> {
    const url = splitUrl(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (this.stopping) return this.send(req, res, this.funnel.errorEnvelope(fail('api.process.shutting_down'), { requestId: requestIdHeader(req) }));
    if (!originAllowed(req.headers.origin, this.config.server.allowOrigin)) {
      return this.send(req, res, this.funnel.errorEnvelope(fail('api.process.unauthorized_origin', echo(req.headers.origin ?? '')), { requestId: requestIdHeader(req) }));
    }
    if (method === 'OPTIONS') return this.send(req, res, envelope(this.nodeId, { requestId: requestIdHeader(req), result: null }));
    if (method === 'GET' && url.pathname === '/_healthcheck') return this.send(req, res, envelope(this.nodeId, { requestId: requestIdHeader(req), result: null }));
    if (method === 'GET' && url.pathname === '/_ready') return this.answerReady(req, res);
    if (!SERVED_VERBS.has(method)) return this.send(req, res, this.funnel.errorEnvelope(fail('network.http.unsupported_verb', method), { requestId: requestIdHeader(req) }));

    const isQuery = method === 'POST' && url.pathname === '/_query';
    const route = isQuery ? null : this.router.match(method, url.pathname);
    if (!route && !isQuery) {
      req.resume();
      return this.send(req, res, this.funnel.errorEnvelope(fail('network.http.url_not_found', `${method} ${echo(url.pathname)}`), { requestId: requestIdHeader(req) }));
    }
    let raw: MaybeAsync<Buffer>;
    try {
      raw = readBody(req, this.config.server.maxRequestSize);
    } catch (error) {
      return this.refuse(req, res, error);
    }
    const serve = (body: Buffer) => this.serve(req, res, route, url.searchParams, body);
    return isPromise(raw) ? raw.then(serve, (error: unknown) => this.refuse(req, res, error)) : serve(raw);
  }

  /** For load balancers: take this node out while its stores do not answer. */
  private async answerReady(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await this.ready()) return this.send(req, res, envelope(this.nodeId, { requestId: requestIdHeader(req), result: null }));
    return this.send(req, res, this.funnel.errorEnvelope(fail('core.fatal.service_unavailable', 'its stores do not answer'), { requestId: requestIdHeader(req) }));
  }

  /** Runs a routed request (or `POST /_query`) with its body through the funnel. */
  private serve(req: IncomingMessage, res: ServerResponse, route: RouteMatch | null, query: URLSearchParams, raw: Buffer): MaybeAsync<void> {
    let request: ApiRequest;
    try {
      const maxJsonDepth = this.config.server.maxJsonDepth;
      const body = parseJsonBody(raw, req.headers['content-type'], maxJsonDepth);
      request = route ? requestFromHttp(req, { definition: route.definition, params: route.params, query, body, maxJsonDepth }) : requestFromQuery(req, body);
    } catch (error) {
      return this.refuse(req, res, error);
    }
    const { server } = this.config;
    const connection: Connection = { id: `http-${++this.requests}`, protocol: 'http', ip: clientAddress(req, server.trustedProxies), headers: req.headers, cookie: cookieToken(req.headers, server.cookies) };
    return andThen(this.funnel.execute(request, connection), (response) => {
      // Tell HTTP clients they may authenticate with Basic credentials (ThingsDB, Neo4j).
      const challenge = response.error?.id === 'security.rights.unauthorized' || (request.basic !== undefined && response.status === 401);
      this.send(req, res, response, false, challenge ? BASIC_CHALLENGE : undefined);
    });
  }

  /** A request whose body or envelope could not be read: answer, and close the connection (its body may be unread). */
  private refuse(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    lingerOnClose(req);
    this.send(req, res, this.funnel.errorEnvelope(error, { requestId: requestIdHeader(req) }), true);
  }

  /** Writes the envelope; `extra` headers go on the HTTP answer only, the envelope keeps the action's. */
  private send(req: IncomingMessage, res: ServerResponse, response: ResponseEnvelope, close = false, extra?: Record<string, string>): void {
    if (res.headersSent) return;
    const mark = this.funnel.markOf(response);
    // A raw answer is its result alone: a string as it is (Prometheus' text, with the Content-Type its action set), anything else as JSON.
    const payload = mark !== 'raw' ? JSON.stringify(response) : typeof response.result === 'string' ? response.result : JSON.stringify(response.result);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(payload)),
      'X-Kuzzle-Node': this.nodeId,
      ...SECURITY_HEADERS,
    };
    const origin = req.headers.origin;
    if (origin) Object.assign(headers, corsHeaders(origin, credentialedOrigin(origin, this.config.server.allowOrigin)));
    Object.assign(headers, response.headers);
    const cookie = this.funnel.cookieOf(response);
    if (cookie !== undefined) headers['Set-Cookie'] = cookie;
    if (extra) Object.assign(headers, extra);
    // Request ids are echoed clean (json-guard's echo), but may hold characters a header cannot.
    if (response.requestId && headerSafe(response.requestId)) headers['X-Kuzzle-Request-Id'] = response.requestId;
    if (mark === 'token') headers['Cache-Control'] = NO_STORE;
    if (close || this.stopping) headers['Connection'] = 'close';
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  /** Node answers malformed HTTP with a bare 400; write an error envelope instead. */
  private clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const caught =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? fail('network.http.headers_too_large')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? fail('network.http.unexpected_error', 'request timeout')
          : fail('network.http.unexpected_error', 'malformed HTTP request');
    rawAnswer(socket, caught.status, JSON.stringify(this.funnel.errorEnvelope(caught, { requestId: null })));
  }
}

const NO_QUERY = new URLSearchParams();

const CREDENTIALS = Object.freeze({ 'Access-Control-Allow-Credentials': 'true' });

const BASIC_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Basic realm="Portcullis", charset="UTF-8"' });

/** CORS answer headers for an allowed origin; credentials (the authToken cookie) only for an origin listed exactly. */
function corsHeaders(origin: string, credentials: boolean): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    ...(credentials ? CREDENTIALS : {}),
    Vary: 'Origin',
    'Access-Control-Allow-Methods': 'GET,POST,PUT,DELETE,OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization,Content-Type,X-Kuzzle-Request-Id,X-Kuzzle-Volatile',
    'Access-Control-Expose-Headers': 'X-Kuzzle-Request-Id,X-Kuzzle-Node',
  };
}

/** The path and query of a request target, without building a whole URL (this runs for every request). */
function splitUrl(target: string): { pathname: string; searchParams: URLSearchParams } {
  const mark = target.indexOf('?');
  if (mark === -1) return { pathname: target, searchParams: NO_QUERY };
  return { pathname: target.slice(0, mark), searchParams: new URLSearchParams(target.slice(mark + 1)) };
}
