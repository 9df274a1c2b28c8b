import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { allActions, type ResponseEnvelope } from '@portcullis/server';

/** A request as a Kuzzle client writes it: controller, action, jwt, body, and arguments. */
export interface Envelope {
  controller: string;
  action: string;
  jwt?: string | null;
  body?: unknown;
  [arg: string]: unknown;
}

export interface ApiClient {
  readonly transport: 'http' | 'websocket';
  call(request: Envelope): Promise<ResponseEnvelope>;
  close(): Promise<void>;
}

const ROUTES = new Map(
  allActions().map((a) => [`${a.controller}:${a.action}`, a.http.find((r) => !r.deprecated) ?? a.http[0]] as const),
);

/** Calls actions over HTTP through their routes, as the Kuzzle SDK's HTTP protocol does. */
export class HttpClient implements ApiClient {
  readonly transport = 'http';

  /** `extraHeaders` go with every request (a `user-agent`, say). */
  constructor(readonly baseUrl: string, private readonly extraHeaders: Record<string, string> = {}) {}

  async call({ controller, action, jwt, body, ...args }: Envelope): Promise<ResponseEnvelope> {
    const route = ROUTES.get(`${controller}:${action}`);
    if (!route) throw new Error(`no route for ${controller}:${action}`);
    const query = new URLSearchParams();
    const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
      const value = args[name];
      delete args[name];
      return encodeURIComponent(String(value ?? ''));
    });
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined || value === false) continue;
      query.set(key, value === true ? '' : String(value));
    }
    const headers: Record<string, string> = { ...this.extraHeaders };
    if (jwt) headers['authorization'] = `Bearer ${jwt}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}${query.size ? `?${query}` : ''}`, {
      method: route.verb,
      headers,
      ...(body === undefined || route.verb === 'GET' ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
    });
    const envelope = (await response.json()) as ResponseEnvelope;
    if (response.status !== envelope.status) throw new Error(`HTTP status ${response.status} differs from envelope status ${envelope.status}`);
    return envelope;
  }

  async close(): Promise<void> {}
}

/** Sends JSON requests over one WebSocket and collects server notifications. */
export class WsClient implements ApiClient {
  readonly transport = 'websocket';
  readonly notifications: Array<Record<string, unknown>> = [];
  private readonly pending = new Map<string, (response: ResponseEnvelope) => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (message['room'] === 'kuzzle:notification:server') this.notifications.push(message);
      const resolve = typeof message['requestId'] === 'string' ? this.pending.get(message['requestId']) : undefined;
      if (resolve) {
        this.pending.delete(message['requestId'] as string);
        resolve(message as unknown as ResponseEnvelope);
      }
    });
  }

  /** `options.localAddress` picks the client address (any of 127.0.0.0/8 on Linux); `options.headers` go with the upgrade. */
  static async connect(baseUrl: string, options: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<WsClient> {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws'), options);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new WsClient(socket);
  }

  call(request: Envelope): Promise<ResponseEnvelope> {
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${request.controller}:${request.action}`)), 10_000);
      this.pending.set(requestId, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.socket.send(JSON.stringify({ ...request, requestId }));
    });
  }

  /** Sends raw text and resolves with the next message. */
  raw(text: string | Buffer): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
      this.socket.send(text);
    });
  }

  async waitForNotification(timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const next = this.notifications.shift();
      if (next) return next;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no server notification within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.close();
    await closed;
  }
}

export type ClientFactory = (baseUrl: string) => Promise<ApiClient>;

/** Every scenario runs once per transport from one definition. */
export const TRANSPORTS: Array<{ name: 'http' | 'websocket'; connect: ClientFactory }> = [
  { name: 'http', connect: async (url) => new HttpClient(url) },
  { name: 'websocket', connect: (url) => WsClient.connect(url) },
];
