import type passport from 'passport';
import { fail, isPortcullisError, PortcullisError } from '../errors/index.js';
import type { UserRecord } from '../storage/ports.js';
import type { PassportRequest, PassportVerify, StrategyPlugin, VerifyResult } from './strategy-plugin.js';

/** How a login ends: a user, or a redirection (OAuth-like strategies) the client must follow. */
export type LoginOutcome =
  /** `fingerprint`: what the strategy verified, when it stores the secret (see VerifyResult). */
  | { type: 'user'; user: UserRecord; fingerprint?: string | undefined }
  | { type: 'redirect'; statusCode: number; headers: Record<string, string> };

/**
 * The core side of Passport's verify callback: calls the plugin's `verify`, checks what it
 * resolves to, loads the user, and answers Passport with `done(err, user, info)`.
 */
export function verifyAdapter(plugin: StrategyPlugin, loadUser: (kuid: string) => Promise<UserRecord | null>): PassportVerify {
  return (...args: unknown[]) => {
    const done = args.pop() as (error: unknown, user?: UserRecord | false, info?: VerifyInfo) => void;
    const [request, ...strategyArgs] = args as [PassportRequest, ...unknown[]];
    let pending: unknown;
    try {
      pending = plugin.verify(request, ...strategyArgs);
    } catch (error) {
      done(error);
      return;
    }
    if (!pending || typeof (pending as Promise<unknown>).then !== 'function') {
      done(fail('plugin.strategy.invalid_verify_return', plugin.name));
      return;
    }
    (pending as Promise<VerifyResult>).then(
      (result) => settleVerify(plugin.name, result, loadUser).then((outcome) => done(null, outcome.user, outcome.info), done),
      done,
    );
  };
}

async function settleVerify(
  name: string,
  result: VerifyResult,
  loadUser: (kuid: string) => Promise<UserRecord | null>,
): Promise<{ user: UserRecord | false; info?: VerifyInfo }> {
  if (result === false) return { user: false, info: { message: defaultFailure(name) } };
  if (typeof result !== 'object' || result === null) throw fail('plugin.strategy.invalid_verify_resolve', name);
  if (result.kuid === null || result.kuid === undefined) {
    const message = 'message' in result && typeof result.message === 'string' ? result.message : defaultFailure(name);
    return { user: false, info: { message } };
  }
  if (typeof result.kuid !== 'string') throw fail('plugin.strategy.invalid_kuid', name);
  const user = await loadUser(result.kuid);
  if (!user) throw fail('plugin.strategy.unknown_kuid', name);
  // Passport hands `info` on to the callback with the user: the fingerprint rides along.
  return typeof result.fingerprint === 'string' ? { user, info: { fingerprint: result.fingerprint } } : { user };
}

/** Passport's `info`: the failure message, or on success what the strategy verified. */
type VerifyInfo = { message: string } | { fingerprint: string };

const defaultFailure = (name: string): string => `Unable to log in using the strategy "${name}"`;

/**
 * Runs a registered Passport strategy once, without Express: builds the response object
 * Passport writes redirections to, and turns success / fail / error / redirect into a promise.
 * @throws plugin.strategy.missing_user (401) when the strategy fails the login
 */
/** One Passport authenticator, as `new passport.Authenticator()` builds it. */
export type PassportAuthenticator = InstanceType<typeof passport.Authenticator>;

export function runPassport(authenticator: PassportAuthenticator, name: string, request: PassportRequest): Promise<LoginOutcome> {
  return new Promise<LoginOutcome>((resolve, reject) => {
    const headers: Record<string, string> = {};
    const response = {
      statusCode: 200,
      setHeader: (header: string, value: string | number) => {
        // Passport ends its redirection with an empty body; ours carries the envelope.
        if (header.toLowerCase() !== 'content-length') headers[header] = String(value);
      },
      getHeader: (header: string) => headers[header],
      end: () => resolve({ type: 'redirect', statusCode: response.statusCode, headers: { ...headers } }),
    };
    const callback = (error: unknown, user: UserRecord | false, info: unknown) => {
      if (error) return reject(error);
      if (!user) return reject(new PortcullisError('plugin.strategy.missing_user', [failureMessage(name, info)]));
      const fingerprint = fingerprintOf(info);
      resolve(fingerprint === undefined ? { type: 'user', user } : { type: 'user', user, fingerprint });
    };
    try {
      authenticator.authenticate(name, { session: false }, callback)(request, response, (error?: unknown) => reject(error ?? new Error('passport called next()')));
    } catch (error) {
      reject(error);
    }
  }).catch((error: unknown) => {
    throw isPortcullisError(error) ? error : new PortcullisError('plugin.runtime.unexpected_error', [name], { cause: error });
  });
}

function failureMessage(name: string, info: unknown): string {
  const first = Array.isArray(info) ? info[0] : info;
  if (typeof first === 'string' && first) return first;
  if (first && typeof first === 'object' && typeof (first as { message?: unknown }).message === 'string') return (first as { message: string }).message;
  return defaultFailure(name);
}

function fingerprintOf(info: unknown): string | undefined {
  const fingerprint = (info as { fingerprint?: unknown } | null | undefined)?.fingerprint;
  return typeof fingerprint === 'string' ? fingerprint : undefined;
}
