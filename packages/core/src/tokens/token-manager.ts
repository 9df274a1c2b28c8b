import { createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { fail, isPortcullisError, PortcullisError } from '../errors/index.js';
import type { Session, SessionOrigin, SessionStore, SettingsStore, TokenKind } from '../storage/ports.js';
import { parseExpiresIn } from './expires-in.js';

export interface TokenSettings {
  secret?: string | undefined;
  algorithm: 'HS256' | 'HS384' | 'HS512';
  expiresIn: number | string;
  maxTTL: number;
  gracePeriod: number;
}

/** What login and refresh return: Kuzzle's `{_id, jwt, expiresAt, ttl}`. */
export interface IssuedToken {
  _id: string;
  jwt: string;
  expiresAt: number;
  ttl: number;
}

/** A token that passed every check: its signature, its expiry, and its session. */
export interface VerifiedToken {
  kuid: string;
  token: string;
  session: Session;
  /** When the login that began this chain of refreshes checked its credentials (ms since the epoch). */
  loginAt: number;
}

/** What the signature of a token vouches for. */
interface Claims {
  _id: string;
  jti: string;
  exp: number | undefined;
  /** `auth_time` (OpenID Connect), in ms; `iat` for tokens signed before it was written. */
  loginAt: number;
  /** `single_use`: the token's session is consumed by its first check (auth:createToken). */
  singleUse: boolean;
}

/** What else a new token may be. */
export interface TokenOptions {
  /** Good for one request: its first check consumes its session, on whichever node. */
  singleUse?: boolean;
  /** Where the login came from (strategy, client address, user agent), shown to the user with the session. */
  origin?: SessionOrigin;
}

/** A session whose origin nobody recorded (tokens issued outside a login: tests, tools). */
const UNKNOWN_ORIGIN: SessionOrigin = { strategy: null, ip: null, userAgent: null };

const PREFIXES: Record<TokenKind, string> = { kauth: 'kauth-', kapikey: 'kapikey-' };

/** The kind a token says it is, by its prefix (unchecked: only verification vouches for it). */
export function tokenKindOf(token: string): TokenKind | undefined {
  return token.startsWith(PREFIXES.kauth) ? 'kauth' : token.startsWith(PREFIXES.kapikey) ? 'kapikey' : undefined;
}
const SECRET_SETTING = 'security.jwt.secret';

/**
 * Issues, verifies, refreshes and revokes tokens. A token is a JWT `{_id, jti, iat, exp,
 * auth_time}` prefixed `kauth-` (or `kapikey-`); `jti` names its session, and the token is valid
 * only while that session exists, so revocation takes effect at once on every node.
 *
 * Lifetimes are finite: a login token lives `maxTTL` at most, and so does a chain of refreshes
 * from one login (`auth_time` carries the login's time from token to token), so refreshing never
 * turns a short token into an endless one. Only API keys (`kapikey`) may outlive `maxTTL`.
 */
export class TokenManager {
  private key: KeyObject | undefined;
  /**
   * Tokens whose signature this node already checked. A token string never changes, so its
   * signature needs checking once; its expiry is checked at every use, its session too.
   */
  private readonly signatures = new Map<string, Claims>();
  private static readonly SIGNATURE_CACHE = 10_000;

  /**
   * @param lastUseInterval milliseconds between two records of a session's last use (default 60 s,
   *   `security.sessions.lastUseInterval`): a check compares it with the session it already holds,
   *   and only a stale one costs a write, which the check does not wait for
   */
  constructor(
    private readonly sessions: SessionStore,
    private readonly settings: SettingsStore,
    private readonly options: TokenSettings,
    private readonly lastUseInterval = 60_000,
  ) {
    this.defaultTtl = parseExpiresIn(options.expiresIn, -1);
  }

  /** The configured default lifetime, in ms (parsed once: the config is validated and frozen). */
  private readonly defaultTtl: number;

  /** Loads the signing key: the configured secret, or one generated once and shared through the settings store. */
  async init(): Promise<{ generated: boolean }> {
    if (this.options.secret) {
      this.key = createSecretKey(Buffer.from(this.options.secret, 'utf8'));
      return { generated: false };
    }
    const existing = await this.settings.get(SECRET_SETTING);
    const secret = existing ?? (await this.settings.setIfAbsent(SECRET_SETTING, randomBytes(64).toString('hex')));
    this.key = createSecretKey(Buffer.from(secret, 'hex'));
    return { generated: existing === null };
  }


  /**
   * @param expiresIn the client's `expiresIn` argument (undefined: the configured default)
   * @throws api.assert.invalid_argument, security.token.ttl_exceeded
   */
  async create(kuid: string, expiresIn: unknown, kind: TokenKind = 'kauth'): Promise<IssuedToken> {
    return (await this.createSession(kuid, expiresIn, kind)).token;
  }

  /**
   * Like {@link create}, with the session behind the token (to bind it to a connection).
   * @param options.maxTTL for API keys only: their longest lifetime (-1: none); login tokens keep `security.jwt.maxTTL`
   * @param options.origin the login's strategy, client address and user agent, kept with the session for its user to recognise it
   */
  createSession(kuid: string, expiresIn: unknown, kind: TokenKind = 'kauth', options: TokenOptions & { maxTTL?: number } = {}): Promise<{ token: IssuedToken; session: Session }> {
    // API keys are the one kind of token that may be endless (Kuzzle's createApiKey): jwt.maxTTL is for logins.
    const ttl = kind === 'kapikey' ? parseExpiresIn(expiresIn ?? -1, options.maxTTL ?? -1) : this.ttlOf(expiresIn);
    const now = Date.now();
    return this.issue(kuid, ttl, kind, now, now, options.origin ?? UNKNOWN_ORIGIN, options.singleUse === true);
  }

  private async issue(kuid: string, ttl: number, kind: TokenKind, now: number, loginAt: number, origin: SessionOrigin, singleUse = false): Promise<{ token: IssuedToken; session: Session }> {
    const session: Session = {
      id: randomUUID(), kuid, kind, ttl, expiresAt: ttl === -1 ? -1 : now + ttl, refreshed: false,
      createdAt: now, lastUsedAt: now, strategy: origin.strategy, ip: origin.ip, userAgent: origin.userAgent,
      ...(singleUse ? { singleUse } : {}),
    };
    const payload: Record<string, unknown> = { _id: kuid, auth_time: Math.floor(loginAt / 1000), ...(singleUse ? { single_use: true } : {}) };
    // exp is in seconds: round up, so the JWT never dies before its session (which is exact to the ms).
    if (ttl !== -1) payload['exp'] = Math.ceil(session.expiresAt / 1000);
    const signed = jwt.sign(payload, this.signingKey(), { algorithm: this.options.algorithm, jwtid: session.id });
    await this.sessions.create(session);
    return { token: { _id: kuid, jwt: PREFIXES[kind] + signed, expiresAt: session.expiresAt, ttl }, session };
  }

  /**
   * @throws security.token.invalid (malformed, bad signature or algorithm, revoked, unknown session)
   * @throws security.token.expired when `exp` has passed
   */
  async verify(token: unknown): Promise<VerifiedToken> {
    const { raw, kind, payload } = this.parse(token);
    // A single-use token's check is its use: the shared store hands its session to one caller only.
    if (payload.singleUse) return this.check(raw, kind, payload, await this.sessions.consume(payload.jti));
    return this.check(raw, kind, payload, await this.sessions.get(payload.jti));
  }

  /**
   * Like {@link verify}, without any I/O: `undefined` when the session is not in this node's
   * memory (then call `verify`). Most token checks end here, with no await on the way.
   * @throws as verify does
   */
  verifyCached(token: unknown): VerifiedToken | undefined {
    const { raw, kind, payload } = this.parse(token);
    // Never from memory: a single-use token must go through the atomic consume of `verify`.
    if (payload.singleUse) return undefined;
    const session = this.sessions.peek?.(payload.jti);
    return session === undefined || session?.singleUse ? undefined : this.check(raw, kind, payload, session);
  }

  private parse(token: unknown): { raw: string; kind: TokenKind; payload: Claims } {
    if (typeof token !== 'string') throw fail('security.token.invalid');
    const kind = tokenKindOf(token);
    if (!kind) throw fail('security.token.invalid');
    return { raw: token, kind, payload: this.decode(token.slice(PREFIXES[kind].length)) };
  }

  private check(token: string, kind: TokenKind, payload: Claims, session: Session | null): VerifiedToken {
    // exp is rounded up to the second: a session gone in exp's last second ended by expiring.
    if (!session && payload.exp !== undefined && payload.exp * 1000 - 1000 <= Date.now()) throw fail('security.token.expired');
    if (!session || session.kuid !== payload._id || session.kind !== kind || (session.singleUse === true) !== payload.singleUse) throw fail('security.token.invalid');
    const now = Date.now();
    if (session.expiresAt !== -1 && session.expiresAt <= now) throw fail('security.token.expired');
    // The one per-request cost of recording last use: a comparison with the session at hand
    // (a single-use session was consumed by this very check: it has no later use to record).
    if (now - session.lastUsedAt >= this.lastUseInterval && session.singleUse !== true) this.sessions.touch(session.id, now);
    return { kuid: session.kuid, token, session, loginAt: payload.loginAt };
  }

  /**
   * Issues a new token for the same user and lets the old one live `gracePeriod` ms. The new
   * token ends `maxTTL` after the login at the latest: a longer `expiresIn` within maxTTL is cut.
   * @throws security.token.refresh_forbidden for API keys and tokens that never expire
   * @throws security.token.invalid when the token was refreshed already
   * @throws security.token.ttl_exceeded when expiresIn is -1 or past maxTTL, or the login's maxTTL is spent
   */
  async refresh(current: VerifiedToken, expiresIn: unknown): Promise<IssuedToken> {
    return (await this.refreshSession(current, expiresIn)).token;
  }

  /** Like {@link refresh}, with the new token's session. */
  async refreshSession(current: VerifiedToken, expiresIn: unknown): Promise<{ token: IssuedToken; session: Session }> {
    if (current.session.kind !== 'kauth') throw fail('security.token.refresh_forbidden', 'API keys');
    if (current.session.expiresAt === -1) throw fail('security.token.refresh_forbidden', 'Tokens that never expire');
    if (current.session.refreshed) throw fail('security.token.invalid');
    const now = Date.now();
    const ttl = this.chainTtl(this.ttlOf(expiresIn), current.loginAt, now);
    // The new session first, then the mark: of two concurrent refreshes of one token only one
    // marks it, and a revocation of the user's sessions (a password change, a logout everywhere)
    // that runs meanwhile either lists the new session and deletes it, or deleted the old one
    // before the mark, which then fails. Either way no refresh outlives the revocation.
    // The new session is the old one continued: same strategy, address and agent; its own creation time.
    const issued = await this.issue(current.kuid, ttl, 'kauth', now, current.loginAt, current.session);
    if (!(await this.sessions.markRefreshed(current.session.id, this.options.gracePeriod))) {
      await this.sessions.delete(issued.session.id);
      throw fail('security.token.invalid');
    }
    return issued;
  }

  /** A refreshed token's lifetime: what was asked, cut to what is left of `maxTTL` since the login. */
  private chainTtl(ttl: number, loginAt: number, now: number): number {
    const maxTTL = this.options.maxTTL;
    if (maxTTL === -1) return ttl;
    // auth_time is in whole seconds: the chain ends maxTTL after the second the login began.
    const left = Math.floor(loginAt / 1000) * 1000 + maxTTL - now;
    if (left <= 0) throw fail('security.token.ttl_exceeded');
    return Math.min(ttl, left);
  }

  /** Ends one session. @returns false when it had ended already */
  revoke(sessionId: string): Promise<boolean> {
    return this.sessions.delete(sessionId);
  }

  /** Ends the login sessions of a user (logout everywhere, security:revokeTokens): never its API keys. */
  revokeUser(kuid: string): Promise<string[]> {
    return this.sessions.deleteByUser(kuid, 'kauth');
  }

  /** Ends every session of a user, its API keys' included (the user's deletion). */
  revokeAll(kuid: string): Promise<string[]> {
    return this.sessions.deleteByUser(kuid);
  }

  /** Ends every login session of a user but one (the caller's, after a password change). */
  revokeUserExcept(kuid: string, keepSessionId: string): Promise<string[]> {
    return this.sessions.deleteByUser(kuid, 'kauth', keepSessionId);
  }

  /** The lifetime asked for, in ms; the configured default when absent. */
  ttlOf(expiresIn: unknown): number {
    return expiresIn === undefined || expiresIn === null ? this.defaultTtl : parseExpiresIn(expiresIn, this.options.maxTTL);
  }

  private decode(raw: string): Claims {
    const known = this.signatures.get(raw);
    if (known) {
      if (known.exp !== undefined && known.exp * 1000 <= Date.now()) {
        this.signatures.delete(raw);
        throw fail('security.token.expired');
      }
      return known;
    }
    const decoded = this.verifySignature(raw);
    if (this.signatures.size >= TokenManager.SIGNATURE_CACHE) this.signatures.delete(this.signatures.keys().next().value as string);
    this.signatures.set(raw, decoded);
    return decoded;
  }

  private verifySignature(raw: string): Claims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(raw, this.signingKey(), { algorithms: [this.options.algorithm] });
    } catch (error) {
      if (isPortcullisError(error)) throw error;
      if (error instanceof jwt.TokenExpiredError) throw fail('security.token.expired');
      throw new PortcullisError('security.token.invalid', [], { cause: error });
    }
    if (typeof payload !== 'object' || typeof payload['_id'] !== 'string' || typeof payload.jti !== 'string') throw fail('security.token.invalid');
    const authTime = typeof payload['auth_time'] === 'number' ? payload['auth_time'] : (payload.iat ?? 0);
    return { _id: payload['_id'], jti: payload.jti, exp: payload.exp, loginAt: authTime * 1000, singleUse: payload['single_use'] === true };
  }

  private signingKey(): KeyObject {
    if (!this.key) throw new Error('TokenManager.init() was not called');
    return this.key;
  }
}
