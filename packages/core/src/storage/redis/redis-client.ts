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

/** `promise`, or a rejection once `ms` milliseconds have passed without an answer from Redis. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
