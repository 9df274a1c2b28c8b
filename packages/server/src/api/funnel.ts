import { ANONYMOUS_USER, fail, isPortcullisError, PortcullisError, type Session, type UserRecord, type VerifiedToken } from '@portcullis/core';
import { isOutcome, type ActionDefinition, type ActionOutcome, type ServerContext } from './action.js';
import { loginAccount, passportRequest, userOfToken } from './caller.js';
import { tokenFromCookie } from './cookie-auth.js';
import { andThen, isPromise, type MaybeAsync } from './maybe-async.js';
import type { ApiRequest, Connection } from './request.js';
import { RequestLimits } from './request-limits.js';
import { envelope, fieldsOf, resultEnvelope, type ResponseEnvelope } from './response.js';
import { validatePart } from './validate.js';
import { loginOutcome } from '../metrics/login-tally.js';
import { countAnswer, type Tally } from '../metrics/request-tally.js';

/** HTTP Basic credentials are checked by this strategy. */
const BASIC_STRATEGY = 'local';

/** Who a request runs as. */
interface Caller {
  user: UserRecord;
  token: VerifiedToken | null;
}

/** Seconds before a refused request may be retried, for the 429s that have one. */
function retryAfter(error: PortcullisError): Record<string, string> | undefined {
  if (error.id === 'security.login.too_many_failures') return { 'Retry-After': error.props[0] ?? '1' };
  if (error.id === 'api.process.too_many_requests' || error.id === 'api.process.too_many_logins_requests') return ONE_SECOND;
  return undefined;
}

const ONE_SECOND: Record<string, string> = Object.freeze({ 'Retry-After': '1' }) as Record<string, string>;

/** What an error envelope echoes of its request (an error raised early may know only some of it). */
type ErrorBase = { requestId: string | null; controller?: string | null; action?: string | null; volatile?: Record<string, unknown> | null };

const ANONYMOUS_CALLER: Caller = Object.freeze({ user: ANONYMOUS_USER, token: null });

/** An action as this node serves it: its definition, and its answers counted by status. */
interface Served {
  definition: ActionDefinition;
  tally: Tally;
  /** auth:login: its answers are counted as logins too. */
  login: boolean;
}

/** What an answer needs over HTTP beyond its envelope: `Cache-Control: no-store` (it carries a token), or its result sent raw. */
export type AnswerMark = 'token' | 'raw';

/** Binds tokens to persistent connections, so they hear of their token's expiry or revocation. */
export interface TokenBinder {
  bind(connection: Connection, session: Session): void;
  unbind(connection: Connection): void;
}

/**
 * The one path every request takes, whatever its protocol: find the action, authenticate the
 * token (or run as anonymous), check rights, validate arguments and body, run the handler,
 * wrap the result or the error in the response envelope. It never throws.
 */
export class Funnel {
  private readonly actions = new Map<string, Map<string, Served>>();
  /** Answers of actions that issue tokens (ActionDefinition.issuesToken) and raw answers (ActionDefinition.rawOverHttp), for the HTTP transport. */
  private readonly marks = new WeakMap<ResponseEnvelope, AnswerMark>();
  /** The Set-Cookie header of answers in cookie mode (ActionOutcome.cookie), for the HTTP transport. */
  private readonly cookies = new WeakMap<ResponseEnvelope, string>();
  private binder: TokenBinder | undefined;
  private readonly limits: RequestLimits;

  constructor(private readonly ctx: ServerContext, definitions: readonly ActionDefinition[]) {
    this.limits = new RequestLimits(ctx.config.limits.loginsPerSecond, ctx.security);
    for (const definition of definitions) {
      const controller = this.actions.get(definition.controller) ?? new Map<string, Served>();
      const tally = ctx.metrics.requests.track(definition.controller, definition.action);
      controller.set(definition.action, { definition, tally, login: definition.controller === 'auth' && definition.action === 'login' });
      this.actions.set(definition.controller, controller);
    }
  }

  bindTokensWith(binder: TokenBinder): void {
    this.binder = binder;
  }

  definitions(): ActionDefinition[] {
    return [...this.actions.values()].flatMap((controller) => [...controller.values()].map((served) => served.definition));
  }

  /**
   * Serves one request. Synchronous when every piece it needs is in memory (a cached session,
   * user and rights decision, and an action that answers at once); a promise otherwise.
   */
  execute(request: ApiRequest, connection: Connection): MaybeAsync<ResponseEnvelope> {
    let served: Served | undefined;
    try {
      served = this.find(request.controller, request.action);
      const { definition } = served;
      const response = andThen(this.authenticate(request, connection), (caller) => {
        this.limits.check(definition.controller, definition.action, caller.user, connection);
        return andThen(this.checkRights(definition, caller.user), () => this.run(definition, request, caller, connection));
      });
      if (!isPromise(response)) return this.counted(served, request, response, connection);
      const pending = served;
      this.ctx.metrics.ongoing[connection.protocol]++;
      return response.then(
        (answer) => this.settled(pending, request, answer, connection),
        (error: unknown) => this.settled(pending, request, this.envelopeOf(error, request), connection),
      );
    } catch (error) {
      return this.counted(served, request, this.envelopeOf(error, request), connection);
    }
  }

  private settled(served: Served, request: ApiRequest, answer: ResponseEnvelope, connection: Connection): ResponseEnvelope {
    this.ctx.metrics.ongoing[connection.protocol]--;
    return this.counted(served, request, answer, connection);
  }

  /** Counts an answer for the metrics: a few increments, no label and no string built (this runs for every request). */
  private counted(served: Served | undefined, request: ApiRequest, answer: ResponseEnvelope, connection: Connection): ResponseEnvelope {
    const { metrics } = this.ctx;
    countAnswer(served?.tally ?? metrics.requests.unrouted, answer.status);
    metrics.answered[connection.protocol][answer.error === null ? 0 : 1]! += 1;
    if (answer.error !== null) metrics.logins.refused(answer.error.id);
    if (served?.login) this.countLogin(request, answer);
    return answer;
  }

  /** A login of a served strategy (the name comes from the client: others make no count); a redirection is a step, not a login. */
  private countLogin(request: ApiRequest, answer: ResponseEnvelope): void {
    const strategy = request.args['strategy'];
    if (typeof strategy !== 'string' || !this.ctx.strategies.has(strategy) || (answer.status >= 300 && answer.status < 400)) return;
    this.ctx.metrics.logins.record(strategy, loginOutcome(answer.error?.id ?? null));
  }

  private run(definition: ActionDefinition, request: ApiRequest, caller: Caller, connection: Connection): MaybeAsync<ResponseEnvelope> {
    const args = validatePart(definition.args, request.args, 'args');
    const body = validatePart(definition.body, request.body, 'body');
    const call = {
      args, body, user: caller.user, token: caller.token, connection, requestId: request.requestId, ctx: this.ctx,
      bindToken: (session: Session) => this.binder?.bind(connection, session),
      unbindToken: () => this.binder?.unbind(connection),
    };
    const value = definition.checksSecret
      ? andThen(definition.checksSecret(call), (account) => this.ctx.logins.guard({ account, address: connection.ip }, () => definition.handler(call)))
      : definition.handler(call);
    return andThen(value, (result) => {
      const answer = isOutcome(result) ? this.outcomeEnvelope(request, result) : resultEnvelope(this.ctx.nodeId, request, result);
      if (isOutcome(result) && result.cookie !== undefined) this.cookies.set(answer, result.cookie);
      if (definition.issuesToken) this.marks.set(answer, 'token');
      else if (definition.rawOverHttp && answer.error === null) this.marks.set(answer, 'raw');
      return answer;
    });
  }

  private outcomeEnvelope(request: ApiRequest, outcome: ActionOutcome): ResponseEnvelope {
    const fields = { ...fieldsOf(request), result: outcome.result, status: outcome.status ?? 200, headers: outcome.headers ?? {} };
    if (!outcome.error) return envelope(this.ctx.nodeId, fields);
    // An error beside a result: the envelope keeps both (see withError).
    return { ...envelope(this.ctx.nodeId, { ...fields, error: outcome.error.toJSON(this.ctx.config.server.development) }), result: outcome.result ?? null };
  }

  /** What an answer needs over HTTP beyond its envelope, if anything (one lookup per answer). */
  markOf(answer: ResponseEnvelope): AnswerMark | undefined {
    return this.marks.get(answer);
  }

  /** The Set-Cookie header an answer sends over HTTP, if any. */
  cookieOf(answer: ResponseEnvelope): string | undefined {
    return this.cookies.get(answer);
  }

  /**
   * An envelope for an error raised before or outside an action (a transport's parse error, an
   * unknown route, malformed HTTP): counted as an unrouted request.
   */
  errorEnvelope(error: unknown, base: ErrorBase): ResponseEnvelope {
    const answer = this.envelopeOf(error, base);
    countAnswer(this.ctx.metrics.requests.unrouted, answer.status);
    return answer;
  }

  private envelopeOf(error: unknown, base: ErrorBase): ResponseEnvelope {
    const caught = this.toCatalogued(error, base.requestId);
    return envelope(this.ctx.nodeId, { ...fieldsOf(base), error: caught.toJSON(this.ctx.config.server.development), headers: retryAfter(caught) });
  }

  private find(controller: string, action: string): Served {
    const actions = this.actions.get(controller);
    if (!actions) throw fail('api.process.controller_not_found', controller);
    const served = actions.get(action);
    if (!served) throw fail('api.process.action_not_found', controller, action);
    return served;
  }

  /** The caller: the user of a verified token (the request's, else its connection's cookie's), of HTTP Basic credentials, or anonymous. */
  private authenticate(request: ApiRequest, connection: Connection): MaybeAsync<Caller> {
    const jwt = request.jwt ?? tokenFromCookie(request, connection, this.ctx.config.server);
    if (jwt !== null) {
      return andThen(userOfToken(this.ctx, jwt), (caller) => {
        this.binder?.bind(connection, caller.token.session);
        return caller;
      });
    }
    if (request.basic) return this.basicLogin(request.basic, connection);
    return ANONYMOUS_CALLER;
  }

  /** Every Basic request is a login: it counts toward the failed-login limits like `POST /_login/local`. */
  private basicLogin(credentials: { username: string; password: string }, connection: Connection): Promise<Caller> {
    const login = this.ctx.logins.guard({ account: loginAccount(BASIC_STRATEGY, credentials), address: connection.ip }, async () => {
      const outcome = await this.ctx.strategies.login(BASIC_STRATEGY, passportRequest(BASIC_STRATEGY, { ...credentials }, {}, connection));
      if (outcome.type === 'user') return { user: outcome.user, token: null };
      throw fail('plugin.strategy.missing_user', 'wrong username or password');
    });
    const { logins } = this.ctx.metrics;
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
  }

  private checkRights(definition: ActionDefinition, user: UserRecord): MaybeAsync<void> {
    const anonymous = user._id === ANONYMOUS_USER._id;
    if (definition.authenticated && anonymous) throw fail('security.rights.unauthorized', definition.controller, definition.action);
    if (this.ctx.security.isAllowed(user, definition)) return;
    // Secure from the first start: only the very first administrator can be created anonymously.
    if (definition.controller === 'security' && definition.action === 'createFirstAdmin') return this.refuseOnceAdminExists(user);
    this.refuse(definition, user);
  }

  private async refuseOnceAdminExists(user: UserRecord): Promise<void> {
    if (await this.ctx.security.adminExists()) this.refuse({ controller: 'security', action: 'createFirstAdmin' }, user);
  }

  private refuse({ controller, action }: { controller: string; action: string }, user: UserRecord): never {
    if (user._id === ANONYMOUS_USER._id) throw fail('security.rights.unauthorized', controller, action);
    throw fail('security.rights.forbidden', controller, action, user._id);
  }

  private toCatalogued(error: unknown, requestId: string | null): PortcullisError {
    if (isPortcullisError(error)) {
      if (error.status >= 500) this.ctx.logger.error({ err: error.cause ?? error, requestId, id: error.id }, 'request failed');
      return error;
    }
    this.ctx.logger.error({ err: error, requestId }, 'unexpected error');
    return new PortcullisError('core.fatal.unexpected_error', [], { cause: error });
  }
}
