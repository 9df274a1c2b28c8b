import { parseSetCookie, type SetCookie } from 'cookie';
import type { ResponseEnvelope } from '@portcullis/server';

/** One HTTP answer, as a test of the authToken cookie needs it. */
export interface CookieAnswer {
  status: number;
  envelope: ResponseEnvelope;
  headers: Headers;
  /** The Set-Cookie header, parsed; undefined when the answer sets none. */
  setCookie: SetCookie | undefined;
  /** The raw Set-Cookie header. */
  rawSetCookie: string | null;
}

export interface CookieRequest {
  /** The authToken cookie's value to send. */
  cookie?: string;
  /** The whole Cookie header, instead of `cookie`. */
  cookieHeader?: string;
  origin?: string;
  authorization?: string;
  body?: unknown;
}

/** An HTTP request to a node as a browser would send it, with the cookie and Origin a test chooses. */
export async function cookieCall(baseUrl: string, method: string, path: string, request: CookieRequest = {}): Promise<CookieAnswer> {
  const headers: Record<string, string> = {};
  if (request.cookie !== undefined) headers['cookie'] = `theme=dark; authToken=${request.cookie}; lang=fr`;
  if (request.cookieHeader !== undefined) headers['cookie'] = request.cookieHeader;
  if (request.origin !== undefined) headers['origin'] = request.origin;
  if (request.authorization !== undefined) headers['authorization'] = request.authorization;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }) });
  const envelope = (await response.json()) as ResponseEnvelope;
  const rawSetCookie = response.headers.get('set-cookie');
  return { status: response.status, envelope, headers: response.headers, rawSetCookie, setCookie: rawSetCookie === null ? undefined : parseSetCookie(rawSetCookie) };
}

/** Logs in with `cookieAuth` and returns the cookie's token (taken from Set-Cookie, as a browser keeps it). */
export async function cookieLogin(baseUrl: string, credentials: { username: string; password: string }, query = ''): Promise<{ token: string; answer: CookieAnswer }> {
  const answer = await cookieCall(baseUrl, 'POST', `/_login/local?cookieAuth${query}`, { body: credentials });
  if (answer.status !== 200 || !answer.setCookie?.value) throw new Error(`cookie login failed: ${answer.status} ${JSON.stringify(answer.envelope.error)}`);
  return { token: answer.setCookie.value, answer };
}
