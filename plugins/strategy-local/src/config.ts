import { z } from 'zod';
import { parsePluginConfig } from '@portcullis/core';

/**
 * OWASP's argon2id minimum (password storage cheat sheet): m = 19 MiB, t = 2, p = 1.
 * Lower values are accepted (tests use them to run fast) but logged as a warning at start.
 */
export const OWASP_ARGON2_MINIMUM = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

const argon2Schema = z
  .strictObject({
    memoryCost: z
      .number().int().min(1024).max(4_194_304)
      .default(OWASP_ARGON2_MINIMUM.memoryCost)
      .describe('argon2id memory per hash, in KiB (19456 = 19 MiB, OWASP minimum); each running hash holds this much memory'),
    timeCost: z
      .number().int().min(1).max(100)
      .default(OWASP_ARGON2_MINIMUM.timeCost)
      .describe('argon2id passes over the memory (OWASP minimum: 2 with 19 MiB)'),
    parallelism: z
      .number().int().min(1).max(64)
      .default(OWASP_ARGON2_MINIMUM.parallelism)
      .describe('argon2id lanes; 1 keeps one hash on one thread, so maxConcurrentHashes bounds the threads used'),
  })
  .prefault({})
  .describe('argon2id cost of new hashes; stored hashes made with other values are re-hashed at the next successful login');

/**
 * The `plugins.local` namespace. Every field has a default: an absent namespace is valid.
 * Unknown keys are refused so that a misspelt key does not silently keep a default.
 */
export const localStrategyConfigSchema = z
  .strictObject({
    argon2: argon2Schema,
    // Bounds: min ≤ 64 ≤ max, so the two can never cross.
    // 8 is ASVS 5.0 (6.2.1) and NIST SP 800-63B's floor for user-chosen passwords, and what
    // Kuzzle clients' fixtures commonly use; deployments wanting ASVS 4's 12 or NIST's 15 raise it.
    minPasswordLength: z
      .number().int().min(1).max(64)
      .default(8)
      .describe('Shortest password accepted when credentials are created or changed, in characters (Unicode code points); no composition rules'),
    // The security baseline: accept at least 64 characters, refuse more than 128 before hashing.
    maxPasswordLength: z
      .number().int().min(64).max(1024)
      .default(128)
      .describe('Longest password accepted, in characters; longer ones are refused before any hashing (never truncated)'),
    maxUsernameLength: z
      .number().int().min(1).max(1024)
      .default(255)
      .describe('Longest username accepted, in characters'),
    maxConcurrentHashes: z
      .number().int().min(1).max(64)
      .default(2)
      .describe('Password hashes or checks running at once (one worker thread each, holding argon2.memoryCost KiB)'),
    hashPriority: z
      .number().int().min(0).max(19)
      .default(10)
      .describe('Nice value of the threads that hash passwords (0: same priority as the event loop, 19: lowest); above 0, a login storm slows logins rather than token checks'),
    // Kuzzle's local plugin calls this requirePassword too; here it is on by default (ASVS 6.2.3).
    requirePassword: z
      .boolean()
      .default(true)
      .describe('Users changing their own local credentials (auth:updateMyCredentials) must give their current password as currentPassword; administrators never need it'),
    maxQueuedHashes: z
      .number().int().min(0).max(100_000)
      .default(100)
      .describe('Hashes waiting for a free slot; beyond it logins fail at once with api.process.too_many_logins_requests (429)'),
    maxQueuedHashesPerAddress: z
      .number().int().min(1).max(100_000)
      .default(10)
      .describe('Password checks from one client address waiting for a free slot; beyond it that address\'s logins fail at once with api.process.too_many_logins_requests (429). Addresses are served in turn, so a flood from one address does not hold up logins from others'),
  })
  .describe('Configuration of the local (username + password) strategy');

export type LocalStrategyConfig = z.output<typeof localStrategyConfigSchema>;
export type LocalStrategyConfigInput = z.input<typeof localStrategyConfigSchema>;
export type Argon2Parameters = LocalStrategyConfig['argon2'];

/**
 * Validates the raw `plugins.<name>` namespace (possibly undefined) and freezes the result.
 * @throws PortcullisError `plugin.strategy.invalid_description` naming each invalid key, e.g. `plugins.local.argon2.timeCost`
 */
export function parseLocalStrategyConfig(raw: unknown, strategyName: string): Readonly<LocalStrategyConfig> {
  return parsePluginConfig(localStrategyConfigSchema, raw, strategyName);
}

/** Whether these parameters are weaker than OWASP's minimum (m·t below its cheapest listed pair, 7 MiB × 5). */
export function isBelowOwaspMinimum(parameters: Argon2Parameters): boolean {
  return parameters.memoryCost * parameters.timeCost < 7168 * 5;
}
