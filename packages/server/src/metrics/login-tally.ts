import { isFailedSecretId } from '@portcullis/core';

/** What became of a login: a token (or a user, for HTTP Basic), a refused secret, a limit, or any other error. */
export const LOGIN_OUTCOMES = ['success', 'failure', 'limited', 'error'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

/** The refusals of the request and failed-login limits: ours (progressive delays) and Kuzzle's two. */
export const LIMIT_IDS = ['security.login.too_many_failures', 'api.process.too_many_logins_requests', 'api.process.too_many_requests'] as const;
export type LimitId = (typeof LIMIT_IDS)[number];

const LIMITS = new Set<string>(LIMIT_IDS);

/** The outcome of a login from the error id of its answer (null: it succeeded). */
export function loginOutcome(errorId: string | null): LoginOutcome {
  if (errorId === null) return 'success';
  if (isFailedSecretId(errorId)) return 'failure';
  if (LIMITS.has(errorId)) return 'limited';
  return 'error';
}

/**
 * Logins per strategy and outcome, and refusals by the limits. Only served strategies get a
 * count (the caller checks): a strategy name comes from the client, and must not make a label.
 */
export class LoginTally {
  private readonly byStrategy = new Map<string, Float64Array>();
  private readonly limits = new Float64Array(LIMIT_IDS.length);

  record(strategy: string, outcome: LoginOutcome): void {
    let counts = this.byStrategy.get(strategy);
    if (!counts) {
      counts = new Float64Array(LOGIN_OUTCOMES.length);
      this.byStrategy.set(strategy, counts);
    }
    counts[LOGIN_OUTCOMES.indexOf(outcome)]! += 1;
  }

  /** Counts an error answer when a limit refused it; any other id is ignored. */
  refused(errorId: string): void {
    const index = (LIMIT_IDS as readonly string[]).indexOf(errorId);
    if (index !== -1) this.limits[index]! += 1;
  }

  /** Logins by strategy, then outcome (every outcome listed, zeros included). */
  logins(): Record<string, Record<LoginOutcome, number>> {
    const out: Record<string, Record<LoginOutcome, number>> = {};
    for (const [strategy, counts] of this.byStrategy) {
      out[strategy] = Object.fromEntries(LOGIN_OUTCOMES.map((outcome, index) => [outcome, counts[index]!])) as Record<LoginOutcome, number>;
    }
    return out;
  }

  /** Refusals by limit id (every id listed, zeros included). */
  limitsHit(): Record<LimitId, number> {
    return Object.fromEntries(LIMIT_IDS.map((id, index) => [id, this.limits[index]!])) as Record<LimitId, number>;
  }
}
