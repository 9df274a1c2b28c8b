import type { Session } from '@portcullis/core';

/** Kuzzle's server notification (reference §1.6); revocations reuse its shape so SDKs drop the token. */
export interface ServerNotification {
  status: 200;
  info: 'This is an automated server notification';
  message: string;
  type: 'TokenExpired';
  node: string;
  room: 'kuzzle:notification:server';
}

export type Notify = (notification: ServerNotification) => void;

interface Link {
  sessionId: string;
  notify: Notify;
}

// setTimeout cannot wait longer than 2^31 - 1 ms; longer expiries are re-armed.
const MAX_TIMER = 2_147_483_647;

/**
 * Which persistent connection (WebSocket) uses which token, per node: when the token expires,
 * or is revoked on any node, each connection bound to it is told at once.
 */
export class TokenLinks {
  private readonly byConnection = new Map<string, Link>();
  private readonly bySession = new Map<string, { connections: Set<string>; timer: NodeJS.Timeout | undefined }>();

  constructor(private readonly nodeId: string) {}

  /** Binds a connection to the session of the token it just used (one token per connection). */
  link(connectionId: string, session: Session, notify: Notify): void {
    const current = this.byConnection.get(connectionId);
    if (current?.sessionId === session.id) return;
    if (current) this.unlink(connectionId);
    this.byConnection.set(connectionId, { sessionId: session.id, notify });
    let entry = this.bySession.get(session.id);
    if (!entry) {
      entry = { connections: new Set(), timer: undefined };
      this.bySession.set(session.id, entry);
      if (session.expiresAt !== -1) entry.timer = this.arm(session.id, session.expiresAt);
    }
    entry.connections.add(connectionId);
  }

  unlink(connectionId: string): void {
    const link = this.byConnection.get(connectionId);
    if (!link) return;
    this.byConnection.delete(connectionId);
    const entry = this.bySession.get(link.sessionId);
    if (!entry) return;
    entry.connections.delete(connectionId);
    if (entry.connections.size === 0) {
      clearTimeout(entry.timer);
      this.bySession.delete(link.sessionId);
    }
  }

  /** Sessions revoked on any node: tell their connections, then forget them. */
  revoked(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.end(id, 'Authentication Token Revoked');
  }

  /** Whether a connection is bound to a token that has not expired nor been revoked. */
  has(connectionId: string): boolean {
    return this.byConnection.has(connectionId);
  }

  /** Number of connections bound to a token (for tests and metrics). */
  get size(): number {
    return this.byConnection.size;
  }

  close(): void {
    for (const entry of this.bySession.values()) clearTimeout(entry.timer);
    this.bySession.clear();
    this.byConnection.clear();
  }

  private arm(sessionId: string, expiresAt: number): NodeJS.Timeout {
    const delay = Math.max(0, expiresAt - Date.now());
    const timer = setTimeout(() => {
      if (delay > MAX_TIMER) {
        const entry = this.bySession.get(sessionId);
        if (entry) entry.timer = this.arm(sessionId, expiresAt);
        return;
      }
      this.end(sessionId, 'Authentication Token Expired');
    }, Math.min(delay, MAX_TIMER));
    timer.unref();
    return timer;
  }

  private end(sessionId: string, message: string): void {
    const entry = this.bySession.get(sessionId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.bySession.delete(sessionId);
    for (const connectionId of entry.connections) {
      const link = this.byConnection.get(connectionId);
      this.byConnection.delete(connectionId);
      link?.notify({ status: 200, info: 'This is an automated server notification', message, type: 'TokenExpired', node: this.nodeId, room: 'kuzzle:notification:server' });
    }
  }
}
