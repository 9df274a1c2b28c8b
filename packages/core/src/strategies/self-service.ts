/**
 * What a user may set about themselves. A strategy's credentials can name who the user is (a
 * directory entry, a login an identity provider vouches for); letting users choose that would
 * let them claim someone else's identity. So each
 * strategy declares the fields users may send for their own credentials, and the self-service
 * actions refuse every other one before the strategy sees the request.
 */

import { fail } from '../errors/index.js';
import type { StrategyPlugin } from './strategy-plugin.js';

/** The suffix of a strategy's bindings namespace (StrategyContext.bindings): no strategy name holds a ":". */
export const BINDINGS_SUFFIX = ':binding';

/** The credential namespace holding a strategy's bindings (StrategyContext.bindings). */
export function bindingsNamespace(strategy: string): string {
  return `${strategy}${BINDINGS_SUFFIX}`;
}

/**
 * The fields of `credentials` that the strategy does not let users set about themselves. With
 * an empty declaration (no self-service at all), every field sent, or every field the strategy
 * has when none was sent.
 */
export function fieldsRefusedToSelf(plugin: Pick<StrategyPlugin, 'fields' | 'selfEditableFields'>, credentials: Record<string, unknown>): string[] {
  const allowed = plugin.selfEditableFields;
  if (allowed === undefined) return [];
  const sent = Object.keys(credentials);
  if (allowed.length === 0) return sent.length === 0 ? [...plugin.fields] : sent;
  return sent.filter((field) => !allowed.includes(field));
}

/** Field names come from the client: the message names a few, bounded and without control characters. */
const MAX_NAMED = 5;
const MAX_NAME_LENGTH = 64;
const printable = (field: string): string => `"${field.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, MAX_NAME_LENGTH)}"`;

/**
 * Refuses a user's request about their own credentials when it holds a field the strategy
 * keeps for administrators. Administrators' actions never call this.
 * @throws security.credentials.self_service_forbidden (403), naming the strategy and the fields
 */
export function assertSelfEditable(plugin: Pick<StrategyPlugin, 'name' | 'fields' | 'selfEditableFields'>, credentials: Record<string, unknown>): void {
  const refused = fieldsRefusedToSelf(plugin, credentials);
  if (refused.length === 0) return;
  const named = refused.slice(0, MAX_NAMED).map(printable).join(', ');
  throw fail('security.credentials.self_service_forbidden', plugin.name, refused.length > MAX_NAMED ? `${named}, ...` : named);
}
