import LdapAuthStrategy from 'passport-ldapauth';
import type { Options as LdapAuthOptions } from 'ldapauth-fork';
import { Strategy } from 'passport-strategy';
import { isPortcullisError, PortcullisError, type Logger, type PassportRequest, type PassportVerify } from '@portcullis/core';
import { readLoginInput } from './credentials-input.js';
import { classifyDirectoryError, describeDirectoryError } from './directory-errors.js';

/** The one failure message: unknown user, wrong password, unmapped entry all read the same. */
export const WRONG_CREDENTIALS = 'wrong username or password';
/** Missing, empty or oversized username or password: refused before any connection. */
export const MISSING_CREDENTIALS = 'a username and a non-empty password are required';

/** passport-ldapauth words some failures differently (AD's "account disabled", "bad search base"): one message for all. */
const FAILURE_MESSAGES = Object.fromEntries(
  ['badRequestMessage', 'invalidCredentials', 'userNotFound', 'constraintViolation', 'invalidLogonHours', 'invalidWorkstation',
    'passwordExpired', 'accountDisabled', 'accountExpired', 'passwordMustChange', 'accountLockedOut', 'noSuchObject']
    .map((key) => [key, WRONG_CREDENTIALS]),
);

export interface DirectoryStrategyOptions {
  name: string;
  /** Directory URLs, tried in turn while they cannot be reached. */
  urls: readonly string[];
  /** ldapauth-fork's options for one login (per-user overrides applied, filter filled and escaped); its url is replaced by each of `urls`. */
  serverOptions(username: string): Promise<LdapAuthOptions>;
  /** Longest the directory part of a login may take before it fails with plugin.strategy.unavailable. */
  deadlineMs: number;
  logger: Logger;
}

/** One run of passport-ldapauth's strategy, as Passport makes it: an object whose prototype is the strategy. */
interface LdapAttempt {
  options: Record<string, unknown>;
  verify: PassportVerify;
  success(user: unknown, info?: unknown): void;
  fail(info?: unknown, status?: number): void;
  error(error: unknown): void;
  authenticate(request: PassportRequest, options: Record<string, string>): void;
}

/**
 * passport-ldapauth behind a guard. Per login it: refuses a missing or empty password before
 * any connection; fills the search filter itself (escaped per RFC 4515); runs passport-ldapauth,
 * which opens fresh connections and closes them; turns a directory that is down, refuses or
 * is slow into plugin.strategy.unavailable within `deadlineMs`; and words every failure alike.
 * The core's verify runs only after a successful bind, and never once the deadline has passed.
 */
export class DirectoryStrategy extends Strategy {
  name: string;
  // Not #private: Passport runs each login on Object.create(strategy), which has no private slots.
  private readonly inner: LdapAuthStrategy;
  private readonly verifyCallback: PassportVerify;
  private readonly directory: DirectoryStrategyOptions;

  constructor(options: DirectoryStrategyOptions, verify: PassportVerify) {
    super();
    this.name = options.name;
    this.directory = options;
    this.verifyCallback = verify;
    // The server options given here are replaced at each login (see authenticate).
    this.inner = new LdapAuthStrategy({ server: { url: 'ldap://127.0.0.1', searchBase: '', searchFilter: '(uid={{username}})' }, passReqToCallback: true }, verify);
  }

  override authenticate(request: PassportRequest): void {
    const input = readLoginInput(request.body ?? {});
    if (!input) return this.fail({ message: MISSING_CREDENTIALS }, 400);
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      finish();
    };
    const deadline = setTimeout(() => settle(() => this.unavailable(new Error(`no answer within ${this.directory.deadlineMs} ms`))), this.directory.deadlineMs);
    const attempt = (server: LdapAuthOptions, index: number): void => {
      const run = Object.create(this.inner) as LdapAttempt;
      let answered = false;
      // passport-ldapauth may report one failure twice (the client's error event, then the callback).
      const once = (handle: () => void): void => {
        if (answered || settled) return;
        answered = true;
        handle();
      };
      run.options = { server: { ...server, url: this.directory.urls[index], searchAttributes: [...(server.searchAttributes ?? [])] }, passReqToCallback: true, credentialsLookup: () => input };
      run.verify = (...args: unknown[]) => {
        // The directory answered: what is left (mapping, provisioning) is the core's, with its own timeouts.
        if (settled) return;
        clearTimeout(deadline);
        this.verifyCallback(...args);
      };
      run.success = (user, info) => settle(() => this.success(user, info));
      run.fail = () => once(() => settle(() => this.fail({ message: WRONG_CREDENTIALS }, 401)));
      run.error = (error) => once(() => {
        // ldapjs 2 fails a pending bind at the first URL it cannot reach: the next URLs are tried here.
        const next = index + 1 < this.directory.urls.length && !isPortcullisError(error) && classifyDirectoryError(error) === 'unavailable';
        if (!next) return settle(() => this.failWith(error));
        this.directory.logger.warn({ url: this.directory.urls[index], cause: describeDirectoryError(error) }, 'directory URL unavailable: trying the next one');
        attempt(server, index + 1);
      });
      try {
        run.authenticate(request, FAILURE_MESSAGES);
      } catch (error) {
        run.error(error);
      }
    };
    this.directory.serverOptions(input.username).then(
      (server) => {
        if (!settled) attempt(server, 0);
      },
      (error: unknown) => settle(() => this.error(error as Error)),
    );
  }

  /** Sorts an error of the directory or of the core's verify into the answer the client gets. */
  private failWith(error: unknown): void {
    if (isPortcullisError(error)) return this.error(error);
    const kind = classifyDirectoryError(error);
    if (kind === 'unavailable') return this.unavailable(error);
    if (kind === 'ambiguous') {
      this.directory.logger.warn({ cause: describeDirectoryError(error) }, 'the user search matched several entries: login refused; make searchFilter match one entry per login');
      return this.fail({ message: WRONG_CREDENTIALS }, 401);
    }
    this.error(error instanceof Error ? error : new Error(String(error)));
  }

  private unavailable(cause: unknown): void {
    this.directory.logger.warn({ cause: describeDirectoryError(cause) }, 'directory unavailable: login refused with plugin.strategy.unavailable');
    this.error(new PortcullisError('plugin.strategy.unavailable', [this.directory.name], { cause }));
  }
}
