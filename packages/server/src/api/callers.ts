import { ANONYMOUS_USER, fail, isPortcullisError, tokenKindOf, type PassportRequest, type UserRecord, type VerifiedToken } from '@portcullis/core';
import type { ServerContext } from './action.js';
import { tokenFromCookie } from './cookie-auth.js';
import type { MaybeAsync } from './maybe-async.js';
import type { ApiRequest, Connection } from './request.js';
import { loginOutcome } from '../metrics/login-tally.js';

/** Where a caller was found: the sources of the chain, in their order. */
export type CallerSourceName = 'bearer' | 'jwt' | 'cookie' | 'apiKey' | 'basic' | 'anonymous';

/** Who a request runs as. */
export interface Caller {
  user: UserRecord;
  /** The verified token (a login token or an API key); null for Basic and anonymous callers. */
  token: VerifiedToken | null;
  source: CallerSourceName;
}

/**
 * One way a request can say who sends it. The chain asks each source in turn: the first that
 * finds its kind of credentials in the request decides (a bad token is refused, never passed
 * over for the next source); anonymous comes last and always answers.
 */
export interface CallerSource {
  readonly name: CallerSourceName;
  /**
   * The caller, at once when it is known from memory (a cached token, session and user), a
   * promise when a store must be asked; undefined when the request carries nothing for this source.
   * @throws (or rejects with) the refusal of the credentials it found
   */
  find(request: ApiRequest, connection: Connection): MaybeAsync<Caller> | undefined;
}

/** HTTP Basic credentials are checked by this strategy. */
export const BASIC_STRATEGY = 'local';

/**
 * The ordered chain of caller sources: the `Authorization: Bearer` header, the request's `jwt`,
 * the `authToken` cookie, an API key (in either of the first two),
 * HTTP Basic, then anonymous. A caller with a token binds it to a persistent connection, which
 * is then told of its expiry or revocation.
 */
export class CallerChain {
  private readonly sources: readonly CallerSource[];

  constructor(ctx: ServerContext) {
    this.sources = [
      tokenSource('bearer', 'kauth', (request) => request.bearer, ctx),
      tokenSource('jwt', 'kauth', (request) => request.jwt ?? undefined, ctx),
      cookieSource(ctx),
      tokenSource('apiKey', 'kapikey', (request) => request.bearer ?? request.jwt ?? undefined, ctx),
      basicSource(ctx),
      ANONYMOUS_SOURCE,
    ];
  }

  /** The caller of a request: the answer of the first source that finds credentials in it. */
  find(request: ApiRequest, connection: Connection): MaybeAsync<Caller> {
    for (const source of this.sources) {
      const caller = source.find(request, connection);
      if (caller !== undefined) return caller;
    }
    // Unreachable: the anonymous source always answers.
    return ANONYMOUS_CALLER;
  }
}

const ANONYMOUS_CALLER: Caller = Object.freeze({ user: ANONYMOUS_USER, token: null, source: 'anonymous' });
const ANONYMOUS_SOURCE: CallerSource = { name: 'anonymous', find: () => ANONYMOUS_CALLER };

/**
 * A source of tokens of one kind: login tokens (`kauth-`, and anything that is not an API key,
 * so that garbage is refused as an invalid token) or API keys (`kapikey-`).
 */
function tokenSource(name: CallerSourceName, kind: 'kauth' | 'kapikey', read: (request: ApiRequest) => string | undefined, ctx: ServerContext): CallerSource {
  return {
    name,
    find(request, connection) {
      const token = read(request);
      if (token === undefined || (tokenKindOf(token) === 'kapikey') !== (kind === 'kapikey')) return undefined;
      return callerOfToken(ctx, token, name, connection);
    },
  };
}

/**
 * The `authToken` cookie of the connection (an HTTP request's, a WebSocket upgrade's), for a
 * request that carries no credentials of its own: a token or Basic credentials always win. It
 * never stands in the way of `auth:login` or `auth:checkToken`, and a page of an origin that may
 * not act with it is refused (api/cookie-auth.ts).
 */
function cookieSource(ctx: ServerContext): CallerSource {
  return {
    name: 'cookie',
    find(request, connection) {
      if (request.bearer !== undefined || request.jwt !== null || request.basic !== undefined) return undefined;
      const token = tokenFromCookie(request, connection, ctx.config.server);
      return token === null ? undefined : callerOfToken(ctx, token, 'cookie', connection);
    },
  };
}

/** The caller of a token, bound to the connection it came through: at once when its session and user are in memory. */
export function callerOfToken(ctx: ServerContext, jwt: string, source: CallerSourceName, connection: Connection): MaybeAsync<Caller> {
  const token = ctx.tokens.verifyCached(jwt);
  const user = token && ctx.security.cachedUser(token.kuid);
  if (user) {
    connection.tokens?.bind(token!.session);
    return { user, token: token!, source };
  }
  return loadUserOfToken(ctx, jwt, token).then((found) => {
    connection.tokens?.bind(found.token.session);
    return { ...found, source };
  });
}

/** Every Basic request is a login: it counts toward the failed-login limits like `POST /_login/local`. */
function basicSource(ctx: ServerContext): CallerSource {
  return {
    name: 'basic',
    find(request, connection) {
      const credentials = request.basic;
      if (!credentials) return undefined;
      const login = ctx.logins.guard({ account: loginAccount(BASIC_STRATEGY, credentials), address: connection.ip }, async () => {
        const outcome = await ctx.strategies.login(BASIC_STRATEGY, passportRequest(BASIC_STRATEGY, { ...credentials }, {}, connection));
        if (outcome.type === 'user') return { user: outcome.user, token: null, source: 'basic' as const };
        throw fail('plugin.strategy.missing_user', 'wrong username or password');
      });
      const { logins } = ctx.metrics;
      return login.then(
        (caller) => {
          logins.record(BASIC_STRATEGY, 'success');
          return caller;
        },
        (error: unknown) => {
          logins.record(BASIC_STRATEGY, loginOutcome(isPortcullisError(error) ? error.id : 'core.fatal.unexpected_error'));
          throw error;
        },
      );
    },
  };
}

/**
 * Verifies a token and loads its user: synchronously when this node holds both the session and
 * the user in memory (the common case), else from the stores.
 * @throws security.token.invalid also when the session outlived its user (deleted on another node mid-flight)
 * @throws security.token.expired
 */
export function userOfToken(ctx: ServerContext, jwt: unknown): MaybeAsync<{ user: UserRecord; token: VerifiedToken }> {
  const token = ctx.tokens.verifyCached(jwt);
  const user = token && ctx.security.cachedUser(token.kuid);
  return user ? { user, token: token! } : loadUserOfToken(ctx, jwt, token);
}

async function loadUserOfToken(ctx: ServerContext, jwt: unknown, verified: VerifiedToken | undefined): Promise<{ user: UserRecord; token: VerifiedToken }> {
  const token = verified ?? (await ctx.tokens.verify(jwt));
  const user = await ctx.security.getUser(token.kuid);
  if (!user) throw fail('security.token.invalid');
  return { user, token };
}

/** The request a strategy's Passport flow sees for a login, whatever the protocol. */
export function passportRequest(strategy: string, body: Record<string, unknown>, query: Record<string, unknown>, connection: Connection): PassportRequest {
  return { method: 'POST', url: `/login?strategy=${encodeURIComponent(strategy)}`, body, query, headers: connection.headers, ip: connection.ip };
}

/** The account a login names, for the failed-login limits: `<strategy>:<username>`, or null without a username. */
export function loginAccount(strategy: string, body: Record<string, unknown> | null): string | null {
  const username = body?.['username'];
  return typeof username === 'string' && username !== '' ? `${strategy}:${username}` : null;
}
