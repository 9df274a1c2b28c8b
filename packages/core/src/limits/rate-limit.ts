/**
 * A user's requests per second from its profiles' `rateLimit`, as Kuzzle's rateLimiter rules:
 * the most permissive profile wins, and a profile without a limit (0 or unset) makes the user
 * unlimited. 0 means unlimited; a user without profiles is unlimited too.
 */
export function mostPermissiveRateLimit(profiles: ReadonlyArray<{ rateLimit?: number }>): number {
  let limit = 0;
  for (const { rateLimit = 0 } of profiles) {
    if (rateLimit <= 0) return 0;
    limit = Math.max(limit, rateLimit);
  }
  return limit;
}
