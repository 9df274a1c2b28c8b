import { ANONYMOUS_USER, fail, isPortcullisError, PortcullisError, type Session, type UserRecord, type VerifiedToken } from '@portcullis/core';
import { isOutcome, type ActionDefinition, type ServerContext } from './action.js';
import { passportRequest, userOfToken } from './caller.js';
import type { ApiRequest, Connection } from './request.js';
import { envelope, type ResponseEnvelope } from './response.js';
import { validatePart } from './validate.js';

/** HTTP Basic credentials are checked by this strategy. */
const BASIC_STRATEGY = 'local';

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
  private readonly actions = new Map<string, Map<string, ActionDefinition>>();
  private binder: TokenBinder | undefined;

  constructor(private readonly ctx: ServerContext, definitions: readonly ActionDefinition[]) {
    for (const definition of definitions) {
      const controller = this.actions.get(definition.controller) ?? new Map<string, ActionDefinition>();
      controller.set(definition.action, definition);
      this.actions.set(definition.controller, controller);
    }
  }

  bindTokensWith(binder: TokenBinder): void {
    this.binder = binder;
  }

  definitions(): ActionDefinition[] {
    return [...this.actions.values()].flatMap((controller) => [...controller.values()]);
  }

  async execute(request: ApiRequest, connection: Connection): Promise<ResponseEnvelope> {
    const base = { requestId: request.requestId, controller: request.controller, action: request.action, volatile: request.volatile };
    try {
      const definition = this.find(request.controller, request.action);
      const { user, token } = await this.authenticate(request, connection);
      await this.checkRights(definition, user);
      const args = validatePart(definition.args, request.args, 'args');
      const body = validatePart(definition.body, request.body, 'body');
      const value = await definition.handler({
        args, body, user, token, connection, requestId: request.requestId, ctx: this.ctx,
        bindToken: (session) => this.binder?.bind(connection, session),
        unbindToken: () => this.binder?.unbind(connection),
      });
      return isOutcome(value)
        ? envelope(this.ctx.nodeId, { ...base, result: value.result, status: value.status ?? 200, headers: value.headers ?? {} })
        : envelope(this.ctx.nodeId, { ...base, result: value });
    } catch (error) {
      return this.errorEnvelope(error, base);
    }
  }

  /** An envelope for an error raised before or outside an action (a transport's parse error, say). */
  errorEnvelope(error: unknown, base: { requestId: string | null; controller?: string | null; action?: string | null; volatile?: Record<string, unknown> | null }): ResponseEnvelope {
    const caught = this.toCatalogued(error, base.requestId);
    return envelope(this.ctx.nodeId, { ...base, error: caught.toJSON(this.ctx.config.server.development) });
  }

  private find(controller: string, action: string): ActionDefinition {
    const actions = this.actions.get(controller);
    if (!actions) throw fail('api.process.controller_not_found', controller);
    const definition = actions.get(action);
    if (!definition) throw fail('api.process.action_not_found', controller, action);
    return definition;
  }

  /** The caller: the user of a verified token, of HTTP Basic credentials, or anonymous. */
  private async authenticate(request: ApiRequest, connection: Connection): Promise<{ user: UserRecord; token: VerifiedToken | null }> {
    if (request.jwt !== null) {
      const caller = await userOfToken(this.ctx, request.jwt);
      this.binder?.bind(connection, caller.token.session);
      return caller;
    }
    if (request.basic) {
      const outcome = await this.ctx.strategies.login(BASIC_STRATEGY, passportRequest(BASIC_STRATEGY, { ...request.basic }, {}, connection));
      if (outcome.type === 'user') return { user: outcome.user, token: null };
      throw fail('plugin.strategy.missing_user', 'wrong username or password');
    }
    return { user: ANONYMOUS_USER, token: null };
  }

  private async checkRights(definition: ActionDefinition, user: UserRecord): Promise<void> {
    const { controller, action } = definition;
    const anonymous = user._id === ANONYMOUS_USER._id;
    if (definition.authenticated && anonymous) throw fail('security.rights.unauthorized', controller, action);
    if (this.ctx.security.isAllowed(user, { controller, action })) return;
    // Secure from the first start: only the very first administrator can be created anonymously.
    if (controller === 'security' && action === 'createFirstAdmin' && !(await this.ctx.security.adminExists())) return;
    if (anonymous) throw fail('security.rights.unauthorized', controller, action);
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
