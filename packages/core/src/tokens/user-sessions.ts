import { fail } from '../errors/index.js';
import type { Session, SessionStore } from '../storage/ports.js';

/** What a user sees of one of their login sessions: never its token. */
export interface SessionView {
  _id: string;
  strategy: string | null;
  /** Epoch ms; null for a session stored before it was recorded. */
  createdAt: number | null;
  lastUsedAt: number | null;
  ip: string | null;
  userAgent: string | null;
  /** Epoch ms, or -1 for a session that never expires. */
  expiresAt: number;
  /** Whether the request that lists it runs on this session. */
  current: boolean;
}

/**
 * A user's login sessions (kind `kauth`: API keys have their own actions), newest first, one page
 * of them with the total. A user holds few sessions, so the page is cut here, not in the store.
 * @param currentId the session of the request, marked `current`
 */
export async function listLoginSessions(
  store: SessionStore, kuid: string, page: { from: number; size: number }, currentId: string | undefined,
): Promise<{ hits: SessionView[]; total: number }> {
  const sessions = await store.listByUser(kuid, 'kauth');
  sessions.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  const hits = sessions.slice(page.from, page.from + page.size).map((session) => viewOf(session, currentId));
  return { hits, total: sessions.length };
}

/**
 * Ends one of a user's login sessions, on every node, and tells the sockets bound to it.
 * @throws security.session.not_found when no live login session of `kuid` has this id: another
 *   user's is refused the same way as one that never existed, so nobody learns of it
 */
export async function endLoginSession(store: SessionStore, kuid: string, sessionId: string): Promise<void> {
  const session = await store.get(sessionId);
  if (session === null || session.kuid !== kuid || session.kind !== 'kauth' || !(await store.delete(sessionId))) {
    throw fail('security.session.not_found', sessionId);
  }
}

function viewOf(session: Session, currentId: string | undefined): SessionView {
  return {
    _id: session.id,
    strategy: session.strategy,
    createdAt: session.createdAt || null,
    lastUsedAt: session.lastUsedAt || null,
    ip: session.ip,
    userAgent: session.userAgent,
    expiresAt: session.expiresAt,
    current: session.id === currentId,
  };
}
