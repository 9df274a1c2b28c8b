import type { Config } from '../config/index.js';

/** The failed-login policy: `security.loginLimits`. */
export type LoginLimitsPolicy = Config['security']['loginLimits'];

/**
 * Seconds the next attempt on an account from an address must wait after its `failures`-th
 * consecutive failure: none while `failures < freeFailures`, then `delay`, doubling with each
 * further failure, capped at `maxDelay` (the "ever increasing delays" of OWASP ASVS 2.2.1).
 */
export function delayAfter(failures: number, policy: Pick<LoginLimitsPolicy, 'freeFailures' | 'delay' | 'maxDelay'>): number {
  if (failures < policy.freeFailures) return 0;
  // 2^31 seconds is past any maxDelay: stop doubling before the number stops being exact.
  const doublings = Math.min(failures - policy.freeFailures, 31);
  return Math.min(policy.delay * 2 ** doublings, policy.maxDelay);
}

/** Whole seconds for a Retry-After header: at least 1, rounded up. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
