import ms from 'ms';
import { isIP } from 'node:net';
import { z } from 'zod';
import { secret, secretUrl } from './secrets.js';

/**
 * The configuration of a Portcullis node: one schema, a description and a default on every
 * field. `loadConfig` validates a file and the environment against it, then freezes the result.
 * Each plugin validates its own namespace under `plugins.<strategy>` with its own schema.
 */
/** Milliseconds of a duration, or NaN when it is not one. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const parsed = /^\d+$/.test(value) ? Number(value) : (ms(value as ms.StringValue) as number | undefined);
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : NaN;
}

const duration = z
  .union([z.number().int().positive(), z.string().min(1)])
  .refine((value) => durationMs(value) > 0, 'expected a positive duration: milliseconds, or an "ms" string such as "1h"')
  .describe('A duration: milliseconds, or an `ms` string such as "1h" or "30m"');

/** An IP address, a CIDR range, or one of proxy-addr's names for the reserved ranges. */
const proxyEntry = z
  .string()
  .refine((value) => {
    if (PROXY_RANGE_NAMES.has(value)) return true;
    const [address = '', bits, ...rest] = value.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  }, 'expected an IP address, a CIDR range such as "10.0.0.0/8", or "loopback" / "linklocal" / "uniquelocal"');

/** "*", or an origin exactly as a browser sends it in its Origin header (scheme, host, port if not the default). */
const origin = z
  .string()
  .refine((value) => value === '*' || serializedOrigin(value) === value, 'expected "*" or an origin such as "https://app.example.com" (scheme, host and port only, no trailing slash)');

function serializedOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const seconds = (min: number) => z.number().int().min(min);

/** Failed-login counting (OWASP ASVS 4.0.3 2.2.1, ASVS 5 6.1.1): per account + address and per address. */
const loginLimitsSchema = z.strictObject({
    freeFailures: z.number().int().min(1).default(5).describe('Consecutive failed logins on one account from one client address before each further attempt must wait'),
    delay: seconds(1).default(1).describe('Seconds the first delay lasts; each further failure doubles it'),
    maxDelay: seconds(1).default(900).describe('Longest delay between two attempts on one account from one address, in seconds'),
    maxFailures: z.number().int().min(1).default(100).describe('Failed logins on one account from one client address per window; beyond, that address is refused for that account until the window ends (ASVS: at most 100 per hour)'),
    maxFailuresPerAccount: z.number().int().min(1).default(100).describe('Failed logins on one account per window, from all addresses together; beyond, every failure on it makes its address wait at once (no address is refused outright: the owner still logs in from an address that has not failed)'),
    maxFailuresPerAddress: z.number().int().min(1).default(100).describe('Failed logins from one client address per window, whatever the accounts; beyond, that address is refused until the window ends'),
    window: seconds(1).default(3600).describe('Seconds over which failures are counted, from the first one'),
    maxTrackedKeys: z.number().int().min(1).default(50_000).describe('Most keys (account + address, address, account) each failed-login counter keeps in the node\'s memory, without Redis or while Redis is down; past it the keys idle longest are forgotten'),
  })
  .refine((limits) => limits.delay <= limits.maxDelay, { message: 'delay exceeds maxDelay', path: ['delay'] })
  .prefault({})
  .describe('Failed logins, counted in Redis (shared by every node) when redis.url is set, else on the node');

export const configSchema = z.strictObject({
  server: z.strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('Address the HTTP and WebSocket server listens on'),
      port: z.number().int().min(0).max(65535).default(7512).describe('Port of the HTTP and WebSocket server (0 picks a free port)'),
      maxRequestSize: z.number().int().min(1024).default(1_048_576).describe('Largest HTTP body or WebSocket message accepted, in bytes'),
      maxHeaderSize: z.number().int().min(1024).default(16_384).describe('Largest HTTP header block accepted, in bytes'),
      requestTimeout: z.number().int().min(1000).default(30_000).describe('Milliseconds a client has to send a whole HTTP request'),
      allowOrigin: z.array(origin).default(['*']).describe('Origins allowed by CORS, each as a browser sends it (`https://app.example.com`, no path, no trailing slash); "*" allows any origin, without credentials. Only the origins listed here may use the authToken cookie (credentialed CORS)'),
      development: z.boolean().default(false).describe('Send stack traces in error envelopes (never in production)'),
      trustedProxies: z.array(proxyEntry).default([]).describe('Addresses or CIDR ranges (or "loopback", "linklocal", "uniquelocal") of the reverse proxies whose X-Forwarded-For is believed; empty: the client address is always the socket\'s'),
      maxJsonDepth: z.number().int().min(2).max(1000).default(32).describe('Deepest nesting of objects and arrays accepted in a body, a WebSocket message or the X-Kuzzle-Volatile header (deeper: 400)'),
      cookies: z.strictObject({
          enabled: z.boolean().default(true).describe('Serve `cookieAuth` (the token in an HttpOnly `authToken` cookie) and authenticate requests from that cookie, as Kuzzle\'s http.cookieAuthentication; false: `cookieAuth` is ignored (the token stays in the body) and so is the cookie'),
          sameSite: z.enum(['strict', 'lax', 'none']).default('strict').describe('SameSite attribute of the authToken cookie: `strict` (default) sends it only on requests from pages of the same site; `none` (cross-site pages) requires `secure`'),
          secure: z.boolean().default(true).describe('Secure attribute of the authToken cookie (sent over HTTPS only); false only for plain-HTTP development'),
        })
        .refine((cookies) => cookies.sameSite !== 'none' || cookies.secure, { message: 'sameSite "none" requires secure: browsers drop such a cookie without it', path: ['sameSite'] })
        .prefault({})
        .describe('The authToken cookie of browser logins (`cookieAuth`)'),
      websocket: z.strictObject({
          idleTimeout: z.number().int().min(0).default(60_000).describe('Milliseconds a WebSocket that holds no valid token may stay without sending a request before it is closed (0: never)'),
          heartbeat: z.number().int().min(0).default(30_000).describe('Milliseconds between WebSocket pings; a peer that has not answered the previous ping is dropped (0: no pings)'),
          maxSocketsPerAddress: z.number().int().min(0).default(100).describe('Most WebSockets open at once from one client address; more upgrades are refused with 429 (0: no limit)'),
        })
        .prefault({})
        .describe('WebSocket connections'),
    })
    .prefault({})
    .describe('HTTP and WebSocket server'),
  database: z.strictObject({
      url: secretUrl(z.string().min(1).default('sqlite:./data/portcullis.db')).describe('`sqlite:<path>` (embedded) or `postgres://user:password@host:port/db`'),
      schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').default('public').describe('PostgreSQL schema holding the tables (created when missing)'),
      timeout: z.number().int().min(100).default(5000).describe('Milliseconds before a database call fails with services.storage.not_connected'),
    })
    .prefault({})
    .describe('Users, profiles, roles, credentials and settings'),
  redis: z.strictObject({
      url: secretUrl(z.string().min(1).optional()).describe('redis://host:port/db; without it, sessions live in the SQL database (single node only)'),
      keyPrefix: z.string().default('portcullis:').describe('Prefix of every Redis key and channel of this node'),
      timeout: z.number().int().min(100).default(2000).describe('Milliseconds before a Redis call fails with services.cache.not_connected'),
      sessionCache: z.number().int().min(0).default(100_000).describe('Sessions each node keeps in memory between changes, dropped on every node at each revocation (0: ask the session store, Redis or the embedded SQLite file, on every token check)'),
      sessionCacheTtl: z.number().int().min(0).max(60_000).default(2000).describe('Milliseconds a cached session is trusted at most, should the revocation subscription die unnoticed'),
    })
    .prefault({})
    .describe('Sessions and revocation events'),
  security: z.strictObject({
      jwt: z.strictObject({
          secret: secret(z.string().min(32).optional()).describe('HMAC secret of the tokens (at least 32 characters); generated once and stored in the database when absent'),
          algorithm: z.enum(['HS256', 'HS384', 'HS512']).default('HS256').describe('JWT signature algorithm; the only one accepted when verifying'),
          expiresIn: duration.default('1h').describe('Default lifetime of a login token'),
          maxTTL: z.number().int().min(-1).default(86_400_000).describe('Longest lifetime of a login token, in ms, and of a chain of refreshes from one login (default 24h; -1: no limit)'),
          gracePeriod: z.number().int().min(0).default(1000).describe('Milliseconds a refreshed token stays valid (0: revoked at once)'),
        })
        .refine((jwt) => jwt.maxTTL === -1 || durationMs(jwt.expiresIn) <= jwt.maxTTL, { message: 'the default expiresIn exceeds maxTTL', path: ['expiresIn'] })
        .prefault({}),
      sessions: z.strictObject({
          lastUseInterval: z.number().int().min(0).default(60_000).describe('Milliseconds between two records of a session\'s last use (what auth:listMySessions shows as lastUsedAt): at most one write per session per interval, never waited for by a request'),
        })
        .prefault({})
        .describe('What users see of their sessions'),
      apiKey: z.strictObject({
          maxTTL: z.number().int().min(-1).default(-1).describe('Longest lifetime, in ms, of an API key a user creates with auth:createApiKey (-1: keys may never expire); security:createApiKey is not bound by it, as in Kuzzle'),
          maxPerUser: z.number().int().min(1).default(100).describe('Most API keys one user may hold at once (expired keys do not count); more are refused with security.apikey.limit_exceeded'),
        })
        .prefault({})
        .describe('API keys (auth:createApiKey, security:createApiKey)'),
      userCache: z.strictObject({
          maxEntries: z.number().int().min(0).default(10_000).describe('Most users each node keeps in memory for token checks (0: no cache)'),
          ttl: z.number().int().min(0).default(60_000).describe('Milliseconds a cached user is trusted at most; changes are announced to every node at once, this bounds a missed announcement'),
        })
        .prefault({})
        .describe('Per-node cache of users'),
      loginLimits: loginLimitsSchema,
      restrictedProfileIds: z.array(z.string().min(1)).min(1).default(['default']).describe('Profiles given by security:createRestrictedUser'),
      admin: z.strictObject({
          username: z.string().min(1).optional().describe('Creates this administrator at start when no administrator exists'),
          password: secret(z.string().min(1).optional()).describe('Password of that administrator (never logged)'),
        })
        .prefault({}),
    })
    .prefault({})
    .describe('Tokens and default rights'),
  limits: z.strictObject({
      loginsPerSecond: z.number().int().min(0).default(1).describe('auth:login requests one connection may send per second on a node, as in Kuzzle (each HTTP request is its own connection; 0: no limit)'),
      documentsFetchCount: z.number().int().min(1).default(10_000).describe('Most records one request may read at once (security:mGetUsers ids; a search\'s size, or from + size without scroll, and its default size), as in Kuzzle'),
      documentsWriteCount: z.number().int().min(1).default(200).describe('Most records one request may change at once (security:mDeleteUsers ids), as in Kuzzle'),
    })
    .prefault({})
    .describe('Request limits of Kuzzle (profiles\' rateLimit is set on each profile)'),
  audit: z.strictObject({
      enabled: z.boolean().default(true).describe('Store audit events in the database (plugin hooks receive them either way)'),
      retention: duration.default('90d').describe('How long an audit event is kept before the periodic purge deletes it'),
      purgeInterval: duration.default('1h').describe('Time between two purges of expired audit events on each node'),
      purgeBatchSize: z.number().int().min(1).default(1000).describe('Most expired events one purge statement deletes; a purge runs at most 100 of them'),
      flushInterval: z.number().int().min(10).max(60_000).default(500).describe('Milliseconds an event waits at most in the node\'s buffer before it is written'),
      batchSize: z.number().int().min(1).max(1000).default(200).describe('Most events written by one insert'),
      bufferSize: z.number().int().min(1).default(10_000).describe('Most events waiting to be written on a node; beyond (the database down or slow), new events are dropped and counted in a warning'),
      hookTimeout: z.number().int().min(1).default(5000).describe('Milliseconds a plugin hook may run before it is logged as slow and no longer waited for'),
      maxPendingHooks: z.number().int().min(1).default(1000).describe('Most plugin hook calls running at once on a node; beyond, further calls are skipped and counted in a warning'),
    })
    .prefault({})
    .describe('The audit log: logins, logouts, limits hit, token, credential, user, role and profile changes (security:searchAuditEvents)'),
  logger: z.strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Lowest level written'),
    })
    .prefault({}),
  plugins: z.record(z.string(), z.unknown()).default({}).describe('One namespace per strategy plugin, e.g. `plugins.local`'),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables and the config key each one sets. */
export const ENVIRONMENT: ReadonlyArray<{ name: string; path: string; type: 'string' | 'number' | 'boolean' | 'list' }> = [
  { name: 'PORTCULLIS_HOST', path: 'server.host', type: 'string' },
  { name: 'PORTCULLIS_PORT', path: 'server.port', type: 'number' },
  { name: 'PORTCULLIS_MAX_REQUEST_SIZE', path: 'server.maxRequestSize', type: 'number' },
  { name: 'PORTCULLIS_ALLOW_ORIGIN', path: 'server.allowOrigin', type: 'list' },
  { name: 'PORTCULLIS_COOKIE_SECURE', path: 'server.cookies.secure', type: 'boolean' },
  { name: 'PORTCULLIS_COOKIE_SAME_SITE', path: 'server.cookies.sameSite', type: 'string' },
  { name: 'PORTCULLIS_TRUSTED_PROXIES', path: 'server.trustedProxies', type: 'list' },
  { name: 'PORTCULLIS_WS_MAX_SOCKETS_PER_ADDRESS', path: 'server.websocket.maxSocketsPerAddress', type: 'number' },
  { name: 'PORTCULLIS_DEVELOPMENT', path: 'server.development', type: 'boolean' },
  { name: 'PORTCULLIS_DATABASE_URL', path: 'database.url', type: 'string' },
  { name: 'PORTCULLIS_DATABASE_SCHEMA', path: 'database.schema', type: 'string' },
  { name: 'PORTCULLIS_REDIS_URL', path: 'redis.url', type: 'string' },
  { name: 'PORTCULLIS_REDIS_PREFIX', path: 'redis.keyPrefix', type: 'string' },
  { name: 'PORTCULLIS_JWT_SECRET', path: 'security.jwt.secret', type: 'string' },
  { name: 'PORTCULLIS_JWT_EXPIRES_IN', path: 'security.jwt.expiresIn', type: 'string' },
  { name: 'PORTCULLIS_ADMIN_USERNAME', path: 'security.admin.username', type: 'string' },
  { name: 'PORTCULLIS_ADMIN_PASSWORD', path: 'security.admin.password', type: 'string' },
  { name: 'PORTCULLIS_LOG_LEVEL', path: 'logger.level', type: 'string' },
];
