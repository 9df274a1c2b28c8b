import { ANONYMOUS_USER, fail, type UserRecord } from '@portcullis/core';
import type { ActionDefinition, ServerContext } from './action.js';
import type { MaybeAsync } from './maybe-async.js';

/** The rights stage's question for one action: may this user run it? Throws the refusal, or returns (at once when it can). */
export type AccessRule = (user: UserRecord, definition: ActionDefinition, ctx: ServerContext) => MaybeAsync<void>;

/** The default: the user's profiles allow the action (the anonymous user has the anonymous profile). */
export const byRights: AccessRule = (user, definition, ctx) => {
  if (!ctx.security.isAllowed(user, definition)) refuse(definition, user);
};

/** Kuzzle's assertIsAuthenticated: anonymous callers are refused with 401 even where their role allows the action. */
export const authenticated: AccessRule = (user, definition, ctx) => {
  if (user._id === ANONYMOUS_USER._id) throw fail('security.rights.unauthorized', definition.controller, definition.action);
  byRights(user, definition, ctx);
};

/**
 * Secure from the first start: whoever the rights allow, and anybody (the anonymous user
 * included) while no administrator exists, so that only the very first one can be created so.
 */
export const untilFirstAdmin: AccessRule = (user, definition, ctx) => {
  if (ctx.security.isAllowed(user, definition)) return;
  return ctx.security.adminExists().then((exists) => {
    if (exists) refuse(definition, user);
  });
};

function refuse({ controller, action }: ActionDefinition, user: UserRecord): never {
  if (user._id === ANONYMOUS_USER._id) throw fail('security.rights.unauthorized', controller, action);
  throw fail('security.rights.forbidden', controller, action, user._id);
}
