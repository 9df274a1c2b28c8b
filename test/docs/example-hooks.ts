import type { AuditHooks, StrategyFactory } from '@portcullis/core';

/**
 * A strategy plugin's factory whose plugins also hear of the audit events `hooks` names. A
 * plugin of your own rather declares `hooks` in the object its factory returns.
 */
export function withHooks(factory: StrategyFactory, hooks: AuditHooks): StrategyFactory {
  return async (context) => Object.assign(await factory(context), { hooks });
}

/** Each user's last successful login, kept in memory: no I/O, so nothing waits on it. */
export function lastLogins(seen: Map<string, { at: number; ip: string | null }>): AuditHooks {
  return {
    'auth:login': (event) => {
      if (event.outcome === 'success' && event.userId !== null) seen.set(event.userId, { at: event.at, ip: event.ip });
    },
    'user:delete': (event) => {
      if (event.userId !== null) seen.delete(event.userId);
    },
  };
}
