import { fail, isPortcullisError, PortcullisError } from '@portcullis/core';
import { byRights, type AccessRule } from './access.js';
import { isOutcome, type ActionCall, type ActionDefinition, type ActionOutcome, type ServerContext } from './action.js';
import { auditAnswer } from './audit-stage.js';
import { CallerChain, type Caller } from './callers.js';
import { andThen, isPromise, type MaybeAsync } from './maybe-async.js';
import type { ApiRequest, Connection } from './request.js';
import { limitedAs, RequestLimits, type LimitedAs } from './request-limits.js';
import { envelope, fieldsOf, resultEnvelope, type ResponseEnvelope } from './response.js';
import { validatePart } from './validate.js';
import { loginOutcome } from '../metrics/login-tally.js';
import { countAnswer, type Tally } from '../metrics/request-tally.js';

/** Seconds before a refused request may be retried, for the 429s that have one. */
function retryAfter(error: PortcullisError): Record<string, string> | undefined {
  if (error.id === 'security.login.too_many_failures') return { 'Retry-After': error.props[0] ?? '1' };
  if (error.id === 'api.process.too_many_requests' || error.id === 'api.process.too_many_logins_requests') return ONE_SECOND;
  return undefined;
}

const ONE_SECOND: Record<string, string> = Object.freeze({ 'Retry-After': '1' }) as Record<string, string>;

/** What an error envelope echoes of its request (an error raised early may know only some of it). */
type ErrorBase = { requestId: string | null; controller?: string | null; action?: string | null; volatile?: Record<string, unknown> | null };

/** An action as this node serves it: its definition, and what the stages worked out for it once, at start. */
interface Served {
  definition: ActionDefinition;
  access: AccessRule;
  limitedAs: LimitedAs;
  /** Its answers counted by status. */
  tally: Tally;
}

/** What an answer needs over HTTP beyond its envelope: `Cache-Control: no-store` (it carries a token), or its result sent raw. */
export type AnswerMark = 'token' | 'raw';

/**
 * The one path every request takes, whatever its protocol, as a sequence of stages:
 *
 * 1. find the action ({@link find});
 * 2. find the caller: the {@link CallerChain} of sources (Bearer, jwt, cookie, API key, Basic, anonymous);
 * 3. limits: Kuzzle's logins per second and profiles' rate limits ({@link RequestLimits});
 * 4. rights: the action's own {@link AccessRule};
 * 5. validation of the arguments and body against the action's schemas;
 * 6. run: the handler, behind the failed-login limits when it checks a secret;
 * 7. audit: the answer counted for the metrics; refusals (failed logins, limits hit) go to the audit log;
 * 8. respond: the envelope, marked for what HTTP needs beyond it.
 *
 * Each stage answers synchronously when it can: a request whose token, session, user and rights
 * decision are in memory, for an action that answers at once, never waits. It never throws.
 */
export class Funnel {
  private readonly actions = new Map<string, Map<string, Served>>();
  /** Answers of actions that issue tokens (ActionDefinition.issuesToken) and raw answers (ActionDefinition.rawOverHttp), for the HTTP transport. */
  private readonly marks = new WeakMap<ResponseEnvelope, AnswerMark>();
  private readonly callers: CallerChain;
  /** The Set-Cookie header of answers in cookie mode (ActionOutcome.cookie), for the HTTP transport. */
  private readonly cookies = new WeakMap<ResponseEnvelope, string>();
  private readonly limits: RequestLimits;

  constructor(private readonly ctx: ServerContext, definitions: readonly ActionDefinition[]) {
    this.callers = new CallerChain(ctx);
    this.limits = new RequestLimits(ctx.config.limits.loginsPerSecond, ctx.security);
    for (const definition of definitions) {
      const controller = this.actions.get(definition.controller) ?? new Map<string, Served>();
      controller.set(definition.action, {
        definition,
        access: definition.access ?? byRights,
        limitedAs: limitedAs(definition.controller, definition.action),
        tally: ctx.metrics.requests.track(definition.controller, definition.action),
      });
      this.actions.set(definition.controller, controller);
    }
  }

  definitions(): ActionDefinition[] {
    return [...this.actions.values()].flatMap((controller) => [...controller.values()].map((served) => served.definition));
  }

  /**
   * Serves one request. Synchronous when every piece it needs is in memory (a cached session,
   * user and rights decision, and an action that answers at once); a promise otherwise.
   */
  execute(request: ApiRequest, connection: Connection): MaybeAsync<ResponseEnvelope> {
    // No closure on the way: a request answered from memory allocates nothing for its stages.
    let served: Served | undefined;
    let caller: Caller | undefined;
    try {
      served = this.find(request.controller, request.action);
      const found = this.callers.find(request, connection);
      if (isPromise(found)) return this.later(served, request, connection, found);
      caller = found;
      const response = this.admit(served, request, found, connection);
      if (isPromise(response)) return this.later(served, request, connection, found, response);
      return this.audited(served, request, connection, found, response);
    } catch (error) {
      return this.audited(served, request, connection, caller, this.envelopeOf(error, request));
    }
  }

  /** The stages after a caller or an answer that waits for a store: counted as ongoing meanwhile. */
  private async later(served: Served, request: ApiRequest, connection: Connection, found: MaybeAsync<Caller>, response?: Promise<ResponseEnvelope>): Promise<ResponseEnvelope> {
    const { ongoing } = this.ctx.metrics;
    ongoing[connection.protocol]++;
    let caller: Caller | undefined;
    let answer: ResponseEnvelope;
    try {
      caller = await found;
      answer = await (response ?? this.admit(served, request, caller, connection));
    } catch (error) {
      answer = this.envelopeOf(error, request);
    }
    ongoing[connection.protocol]--;
    return this.audited(served, request, connection, caller, answer);
  }

  /** Stages 3 to 8 for a known caller: limits, rights, then validation, the action and its answer. */
  private admit(served: Served, request: ApiRequest, caller: Caller, connection: Connection): MaybeAsync<ResponseEnvelope> {
    this.limits.check(served.limitedAs, caller.user, connection);
    const allowed = served.access(caller.user, served.definition, this.ctx);
    return isPromise(allowed) ? allowed.then(() => this.run(served.definition, request, caller, connection)) : this.run(served.definition, request, caller, connection);
  }

  /** Stage 1: the action a request names. */
  private find(controller: string, action: string): Served {
    const actions = this.actions.get(controller);
    if (!actions) throw fail('api.process.controller_not_found', controller);
    const served = actions.get(action);
    if (!served) throw fail('api.process.action_not_found', controller, action);
    return served;
  }

  /** Stages 5 and 6: validation, then the handler (behind the failed-login limits when it checks a secret). */
  private run(definition: ActionDefinition, request: ApiRequest, caller: Caller, connection: Connection): MaybeAsync<ResponseEnvelope> {
    const call: ActionCall<unknown, unknown> = {
      args: validatePart(definition.args, request.args, 'args'),
      body: validatePart(definition.body, request.body, 'body'),
      user: caller.user,
      token: caller.token,
      connection,
      requestId: request.requestId,
      ctx: this.ctx,
    };
    const value = definition.checksSecret
      ? andThen(definition.checksSecret(call), (account) => this.ctx.logins.guard({ account, address: connection.ip }, () => definition.handler(call)))
      : definition.handler(call);
    return isPromise(value) ? value.then((result) => this.respond(definition, request, result)) : this.respond(definition, request, value);
  }

  /** Stage 8: the envelope of a result, marked for what HTTP needs beyond it. */
  private respond(definition: ActionDefinition, request: ApiRequest, result: unknown): ResponseEnvelope {
    let answer: ResponseEnvelope;
    if (isOutcome(result)) {
      answer = this.outcomeEnvelope(request, result);
      if (result.cookie !== undefined) this.cookies.set(answer, result.cookie);
    } else answer = resultEnvelope(this.ctx.nodeId, request, result);
    if (definition.issuesToken) this.marks.set(answer, 'token');
    else if (definition.rawOverHttp && answer.error === null) this.marks.set(answer, 'raw');
    return answer;
  }

  private outcomeEnvelope(request: ApiRequest, outcome: ActionOutcome): ResponseEnvelope {
    const fields = { ...fieldsOf(request), result: outcome.result, status: outcome.status ?? 200, headers: outcome.headers ?? {} };
    if (!outcome.error) return envelope(this.ctx.nodeId, fields);
    // An error beside a result: the envelope keeps both (see withError).
    return { ...envelope(this.ctx.nodeId, { ...fields, error: outcome.error.toJSON(this.ctx.config.server.development) }), result: outcome.result ?? null };
  }

  /**
   * Stage 7: counts an answer for the metrics (a few increments, no label and no string built:
   * this runs for every request), and records a refusal in the audit log. What succeeds is
   * recorded by its action, which knows what it changed.
   */
  private audited(served: Served | undefined, request: ApiRequest, connection: Connection, caller: Caller | undefined, answer: ResponseEnvelope): ResponseEnvelope {
    const { metrics } = this.ctx;
    countAnswer(served?.tally ?? metrics.requests.unrouted, answer.status);
    metrics.answered[connection.protocol][answer.error === null ? 0 : 1]! += 1;
    if (answer.error !== null) {
      metrics.logins.refused(answer.error.id);
      auditAnswer(this.ctx, served?.definition, request, answer, connection, caller);
    }
    if (served?.limitedAs === 'login') this.countLogin(request, answer);
    return answer;
  }

  /** A login of a served strategy (the name comes from the client: others make no count); a redirection is a step, not a login. */
  private countLogin(request: ApiRequest, answer: ResponseEnvelope): void {
    const strategy = request.args['strategy'];
    if (typeof strategy !== 'string' || !this.ctx.strategies.has(strategy) || (answer.status >= 300 && answer.status < 400)) return;
    this.ctx.metrics.logins.record(strategy, loginOutcome(answer.error?.id ?? null));
  }

  /** What an answer needs over HTTP beyond its envelope, if anything (one lookup per answer). */
  markOf(answer: ResponseEnvelope): AnswerMark | undefined {
    return this.marks.get(answer);
  }

  /** The `Set-Cookie` of an answer in cookie mode (never in the envelope: HTTP sends it as a header). */
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

  private toCatalogued(error: unknown, requestId: string | null): PortcullisError {
    if (isPortcullisError(error)) {
      if (error.status >= 500) this.ctx.logger.error({ err: error.cause ?? error, requestId, id: error.id }, 'request failed');
      return error;
    }
    this.ctx.logger.error({ err: error, requestId }, 'unexpected error');
    return new PortcullisError('core.fatal.unexpected_error', [], { cause: error });
  }
}
