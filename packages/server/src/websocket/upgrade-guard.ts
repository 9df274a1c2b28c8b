import type { IncomingMessage } from 'node:http';
import { fail, type Config, type PortcullisError } from '@portcullis/core';
import { echo } from '../api/json-guard.js';
import { originAllowed } from '../http/answer-headers.js';
import { clientAddress } from '../http/client-address.js';
import { cookieToken } from '../http/cookies.js';
import { cookieOriginAllowed } from '../api/cookie-auth.js';

/**
 * Who may open a WebSocket: the same Origin allowlist as HTTP (a page elsewhere must not drive a
 * socket with the cookies or credentials its browser holds), and no more than
 * `server.websocket.maxSocketsPerAddress` sockets open at once per client address, so that one
 * host cannot hold every file descriptor of the node. An upgrade that carries the authToken cookie
 * must come from a page allowed to act with it (api/cookie-auth.ts): browsers send cookies with
 * every upgrade, and a socket authenticated by one acts for its user.
 */
export class UpgradeGuard {
  /** Open sockets per client address; an address leaves the map with its last socket. */
  private readonly open = new Map<string, number>();

  constructor(private readonly config: Readonly<Config>) {}

  /**
   * Why an upgrade is refused, or null when it may proceed.
   * @returns api.process.unauthorized_origin, security.cookie.unauthorized_origin, network.websocket.too_many_connections
   */
  refusal(req: IncomingMessage): PortcullisError | null {
    const { allowOrigin, cookies } = this.config.server;
    if (!originAllowed(req.headers.origin, allowOrigin)) return fail('api.process.unauthorized_origin', echo(req.headers.origin ?? ''));
    if (cookieToken(req.headers, cookies) !== null && !cookieOriginAllowed(req.headers, allowOrigin)) return fail('security.cookie.unauthorized_origin', echo(req.headers.origin ?? ''));
    const cap = this.config.server.websocket.maxSocketsPerAddress;
    if (cap > 0 && (this.open.get(addressOf(clientAddress(req, this.config.server.trustedProxies))) ?? 0) >= cap) return fail('network.websocket.too_many_connections', cap);
    return null;
  }

  opened(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const count = (this.open.get(address) ?? 1) - 1;
    if (count > 0) this.open.set(address, count);
    else this.open.delete(address);
  }
}

/** The key the per-address cap counts a client address by (see clientAddress); unknown when the socket is gone. */
export function addressOf(ip: string | undefined): string {
  return ip ?? 'unknown';
}
