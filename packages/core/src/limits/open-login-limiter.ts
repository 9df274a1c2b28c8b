import { Redis } from 'ioredis';
import { RateLimiterRedis, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { Config } from '../config/index.js';
import { PortcullisError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { redisClientOptions, withTimeout } from '../storage/redis/redis-client.js';
import { BoundedMemoryLimiter } from './bounded-memory-limiter.js';
import { LoginLimiter, type LoginCounters } from './login-limiter.js';

/** The counters' shapes: what each counts, over the policy's window. */
function counterOptions(policy: Readonly<Config['security']['loginLimits']>): Record<keyof LoginCounters, IRateLimiterOptions> {
  return {
    pair: { keyPrefix: 'login-failures', points: policy.maxFailures, duration: policy.window },
    // Only `block(key, seconds)` and `get` are used; the duration of a block is its own.
    delay: { keyPrefix: 'login-delay', points: 1, duration: policy.maxDelay },
    address: { keyPrefix: 'login-address', points: policy.maxFailuresPerAddress, duration: policy.window },
    account: { keyPrefix: 'login-account', points: policy.maxFailuresPerAccount, duration: policy.window },
  };
}

/**
 * Opens the failed-login counters: in Redis under `redis.keyPrefix` when `redis.url` is set, so
 * that every node counts the same failures, else in this node's memory, each counter holding at
 * most `maxTrackedKeys` keys (see BoundedMemoryLimiter). Should Redis fail
 * while the node runs, each node counts in its own memory until it is back (rate-limiter-flexible's
 * insurance limiter): logins stay slowed, per node, rather than failing or going unchecked.
 * @throws services.cache.not_connected when Redis cannot be reached within `redis.timeout`
 */
export async function openLoginLimiter(config: Readonly<Config>, logger: Logger): Promise<LoginLimiter> {
  const policy = config.security.loginLimits;
  const options = counterOptions(policy);
  const { url, keyPrefix, timeout } = config.redis;
  const memory = (name: keyof LoginCounters) => new BoundedMemoryLimiter(options[name], policy.maxTrackedKeys, warnWhenFull(name, logger));
  if (url === undefined) {
    return new LoginLimiter({ pair: memory('pair'), delay: memory('delay'), address: memory('address'), account: memory('account') }, policy);
  }
  const client = new Redis(url, redisClientOptions(timeout));
  watch(client, logger);
  try {
    await withTimeout(client.connect(), timeout);
  } catch (error) {
    client.disconnect();
    throw new PortcullisError('services.cache.not_connected', [], { cause: error });
  }
  const redis = (name: keyof LoginCounters) => new RateLimiterRedis({
    ...options[name],
    keyPrefix: `${keyPrefix}${options[name].keyPrefix}`,
    storeClient: client,
    insuranceLimiter: memory(name),
  });
  const counters = { pair: redis('pair'), delay: redis('delay'), address: redis('address'), account: redis('account') };
  return new LoginLimiter(counters, policy, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}

/** Warns that a counter in memory is full, at most once a minute: the operator should set redis.url or raise the bound. */
function warnWhenFull(counter: keyof LoginCounters, logger: Logger): () => void {
  let warned = -Infinity;
  return () => {
    if (Date.now() - warned < 60_000) return;
    warned = Date.now();
    logger.warn({ counter }, 'a failed-login counter holds security.loginLimits.maxTrackedKeys keys: the keys idle longest are forgotten');
  };
}

/** Logs the connection's losses once each, not once per retry. */
function watch(client: Redis, logger: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'the failed-login counters lost Redis: counting on this node until it is back');
  });
  client.on('ready', () => {
    if (down) logger.info('the failed-login counters reach Redis again');
    down = false;
  });
}
