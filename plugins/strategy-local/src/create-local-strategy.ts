import type { StrategyContext, StrategyFactory, StrategyPlugin } from '@portcullis/core';
import { OWASP_ARGON2_MINIMUM, isBelowOwaspMinimum, parseLocalStrategyConfig } from './config.js';
import { HashGate } from './hash-gate.js';
import { HashWorkers } from './hash-workers.js';
import { LocalStrategyPlugin } from './local-strategy.js';
import { PasswordHasher } from './password-hasher.js';

/** The name the core registers this strategy under unless told otherwise. */
export const LOCAL_STRATEGY_NAME = 'local';

/**
 * Builds the local strategy from its context: validates `plugins.<name>` with
 * {@link localStrategyConfigSchema}, then computes the dummy hash once so that no login pays for it.
 * @throws PortcullisError `plugin.strategy.invalid_description` naming each invalid config key
 */
export const createLocalStrategy: StrategyFactory = async (context: StrategyContext): Promise<StrategyPlugin> => {
  const name = context.name || LOCAL_STRATEGY_NAME;
  const config = parseLocalStrategyConfig(context.config, name);
  if (isBelowOwaspMinimum(config.argon2)) {
    context.logger.warn({ argon2: config.argon2, minimum: OWASP_ARGON2_MINIMUM }, 'argon2 parameters are below the OWASP minimum');
  }
  const gate = new HashGate({ maxConcurrent: config.maxConcurrentHashes, maxQueued: config.maxQueuedHashes, maxQueuedPerSource: config.maxQueuedHashesPerAddress });
  const workers = new HashWorkers(config.maxConcurrentHashes, config.hashPriority);
  const hasher = new PasswordHasher(config.argon2, gate, workers);
  // Read at each scrape: a queue that stays non-empty means logins wait for argon2 (maxConcurrentHashes).
  context.metrics?.gauge({ name: 'hash_queue_depth', help: 'Password hashes and checks waiting for a free hashing slot.', read: () => gate.load.queued });
  context.metrics?.gauge({ name: 'hash_running', help: 'Password hashes and checks running now.', read: () => gate.load.running });
  try {
    await hasher.dummyHash();
  } catch (error) {
    await workers.close();
    throw error;
  }
  return new LocalStrategyPlugin({ name, config, credentials: context.credentials, hasher, logger: context.logger, close: () => workers.close() });
};
