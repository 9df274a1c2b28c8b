export { BoundedMemoryLimiter } from './bounded-memory-limiter.js';
export { LoginLimiter, addressKey, isFailedSecret, isFailedSecretId, type LoginAttempt, type LoginCounters } from './login-limiter.js';
export { openLoginLimiter } from './open-login-limiter.js';
export { delayAfter, retryAfterSeconds, type LoginLimitsPolicy } from './progressive-delay.js';
export { mostPermissiveRateLimit } from './rate-limit.js';
