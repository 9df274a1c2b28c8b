import { request } from 'node:http';
import { allActions, type ResponseEnvelope } from '@portcullis/server';
import type { ApiClient, Envelope } from './clients.js';

const ROUTES = new Map(allActions().map((a) => [`${a.controller}:${a.action}`, a.http.find((r) => !r.deprecated) ?? a.http[0]!] as const));

/** An answer with its HTTP headers (Retry-After, say). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  envelope: ResponseEnvelope;
}

/**
 * Calls actions over HTTP from a chosen client address of the loopback range (127.0.0.2, ...),
 * so that tests can play several clients; keeps the headers of the last answer.
 */
export class BoundHttpClient implements ApiClient {
  readonly transport = 'http';
  last: HttpAnswer | undefined;

  constructor(readonly baseUrl: string, readonly localAddress: string, readonly headers: Record<string, string> = {}) {}

  async call({ controller, action, jwt, body, ...args }: Envelope): Promise<ResponseEnvelope> {
    const route = ROUTES.get(`${controller}:${action}`);
    if (!route) throw new Error(`no route for ${controller}:${action}`);
    const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
      const value = args[name];
      delete args[name];
      return encodeURIComponent(String(value ?? ''));
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(args)) if (value !== undefined && value !== false) query.set(key, value === true ? '' : String(value));
    const headers: Record<string, string> = { ...this.headers };
    if (jwt) headers['authorization'] = `Bearer ${jwt}`;
    this.last = await this.send(route.verb, `${path}${query.size ? `?${query}` : ''}`, headers, body === undefined ? undefined : JSON.stringify(body));
    return this.last.envelope;
  }

  /** Sends one raw request (HTTP Basic, say) from this client's address. */
  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    const url = new URL(path, this.baseUrl);
    const allHeaders = body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers: allHeaders, localAddress: this.localAddress, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, envelope: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ResponseEnvelope });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async close(): Promise<void> {}
}

/** The Authorization header of HTTP Basic credentials. */
export function basicAuth(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}
