import type { RedisOptions } from 'ioredis';

/**
 * Options of every Redis connection of a node: fail at once while disconnected instead of
 * queueing, within `timeout` ms otherwise, and reconnect forever in the background.
 */
export function redisClientOptions(timeout: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
}
