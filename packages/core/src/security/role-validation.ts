import { fail } from '../errors/index.js';
import { isPlainObject } from '../config/load-config.js';
import { roleAllows } from './rights.js';
import type { Role, RoleControllers } from './types.js';

/**
 * The controllers and actions a node serves, by controller: what a role may name. The server
 * hands it over at construction (the core knows no API action of its own).
 */
export type ActionCatalogue = ReadonlyMap<string, ReadonlySet<string>>;

/** Keys a client may send beside the content, which Kuzzle ignores too (they are set by the server). */
const IGNORED_KEYS = new Set(['_id', '_kuzzle_info']);


/** @throws api.assert.unexpected_argument for the first key of `value` not in `allowed` (nor ignored) */
export function assertOnlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key) && !IGNORED_KEYS.has(key)) throw fail('api.assert.unexpected_argument', `${path}${key}`, allowed.map((k) => `"${k}"`).join(', '));
  }
}

/**
 * Checks a role body as Kuzzle does (lib/model/security/role.ts, roleRepository.ts) and returns
 * the role to store: `controllers` is a non-empty object of non-empty `actions` objects whose
 * values are booleans; the "*" controller takes only the action "*"; a served controller takes
 * only its own actions; a controller this node does not serve is refused unless `force` (a
 * plugin controller that will register later). The anonymous role must allow auth:login.
 * @throws api.assert.missing_argument, api.assert.invalid_type, api.assert.empty_argument,
 *   api.assert.unexpected_argument, security.role.unknown_controller, security.role.unknown_action,
 *   security.role.login_required
 */
export function validateRole(id: string, body: Record<string, unknown>, catalogue: ActionCatalogue, force: boolean): Role {
  assertOnlyKeys(body, ['controllers'], '');
  const controllers = body['controllers'];
  if (controllers === undefined || controllers === null) throw fail('api.assert.missing_argument', `${id}.controllers`);
  if (!isPlainObject(controllers)) throw fail('api.assert.invalid_type', `${id}.controllers`, 'object');
  if (Object.keys(controllers).length === 0) throw fail('api.assert.empty_argument', `${id}.controllers`);
  const checked: RoleControllers = {};
  for (const [name, rights] of Object.entries(controllers)) {
    const actions = controllerActions(name, rights);
    assertKnown(id, name, Object.keys(actions), catalogue, force);
    // defineProperty: a controller called "__proto__" (forced) stays a plain key.
    Object.defineProperty(checked, name, { value: { actions }, enumerable: true, writable: true, configurable: true });
  }
  const role: Role = { _id: id, controllers: checked };
  if (id === 'anonymous' && !roleAllows(role, 'auth', 'login')) throw fail('security.role.login_required');
  return role;
}

function controllerActions(name: string, rights: unknown): Record<string, boolean> {
  if (!isPlainObject(rights)) throw fail('api.assert.invalid_type', name, 'object');
  if (Object.keys(rights).length === 0) throw fail('api.assert.empty_argument', name);
  assertOnlyKeys(rights, ['actions'], `${name}.`);
  const actions = rights['actions'];
  if (actions === undefined) throw fail('api.assert.missing_argument', `${name}.actions`);
  if (!isPlainObject(actions)) throw fail('api.assert.invalid_type', `${name}.actions`, 'object');
  if (Object.keys(actions).length === 0) throw fail('api.assert.empty_argument', `${name}.actions`);
  for (const [action, value] of Object.entries(actions)) {
    if (typeof value !== 'boolean') throw fail('api.assert.invalid_type', `${name}.actions.${action}`, 'boolean');
  }
  return actions as Record<string, boolean>;
}

function assertKnown(id: string, controller: string, actions: readonly string[], catalogue: ActionCatalogue, force: boolean): void {
  if (controller === '*') {
    const named = actions.find((action) => action !== '*');
    if (named !== undefined) throw fail('security.role.unknown_action', id, named, '*');
    return;
  }
  const known = catalogue.get(controller);
  if (!known) {
    if (!force) throw fail('security.role.unknown_controller', id, controller);
    return;
  }
  // Kuzzle's `force` is for plugin controllers only: a served controller names its own actions.
  const unknown = actions.find((action) => action !== '*' && !known.has(action));
  if (unknown !== undefined) throw fail('security.role.unknown_action', id, unknown, controller);
}
