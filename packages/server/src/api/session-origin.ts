import type { SessionOrigin } from '@portcullis/core';
import { echo } from './json-guard.js';
import type { Connection } from './request.js';

/** Longest User-Agent kept with a session: enough to recognise a browser, not a place to store data. */
export const USER_AGENT_LIMIT = 256;

/**
 * What a login's session keeps so that its user can recognise it: the strategy, the client's
 * address (the socket's, or a configured proxy's forwarded one) and its User-Agent, cut to
 * {@link USER_AGENT_LIMIT} characters and stripped of control characters (it is shown back).
 */
export function sessionOrigin(strategy: string | null, connection: Connection): SessionOrigin {
  const agent = userAgentOf(connection);
  return { strategy, ip: connection.ip ?? null, userAgent: agent ? echo(agent, USER_AGENT_LIMIT) || null : null };
}

/** The client's `User-Agent` header as sent (over WebSocket, the upgrade's), or undefined. */
export function userAgentOf(connection: Connection): string | undefined {
  const header = connection.headers['user-agent'];
  return Array.isArray(header) ? header[0] : header;
}
