import type { Policy, Profile, Role } from './types.js';

/** What a rights check is about: one API action, and the index/collection when the action has them. */
export interface RightsTarget {
  controller: string;
  action: string;
  index?: string | null;
  collection?: string | null;
}

/**
 * Whether a role allows an action (reference §4.4): the exact controller, else "*"; then the
 * exact action, else "*"; only a literal `true` allows. A listed controller never falls back
 * to "*", even when its own actions do not mention the action.
 */
export function roleAllows(role: Role, controller: string, action: string): boolean {
  const controllerRights = Object.hasOwn(role.controllers, controller) ? role.controllers[controller] : role.controllers['*'];
  if (!controllerRights) return false;
  const actions = controllerRights.actions;
  const value = Object.hasOwn(actions, action) ? actions[action] : actions['*'];
  return value === true;
}

/** Whether a policy's `restrictedTo` lets the target through: no restriction, or no index in the request, passes. */
export function policyMatches(policy: Policy, target: RightsTarget): boolean {
  if (!policy.restrictedTo || policy.restrictedTo.length === 0) return true;
  if (!target.index) return true;
  return policy.restrictedTo.some((restriction) => {
    if (restriction.index !== target.index) return false;
    if (!restriction.collections || restriction.collections.length === 0) return true;
    return target.collection ? restriction.collections.includes(target.collection) : true;
  });
}

/**
 * A user may run an action when any of its profiles has any policy whose role allows the
 * action and whose restrictions match. No profiles, or only unknown roles, means denied.
 */
export function isAllowed(profiles: readonly Profile[], roles: ReadonlyMap<string, Role>, target: RightsTarget): boolean {
  return profiles.some((profile) =>
    profile.policies.some((policy) => {
      const role = roles.get(policy.roleId);
      return role !== undefined && roleAllows(role, target.controller, target.action) && policyMatches(policy, target);
    }),
  );
}

/** One line of auth:getMyRights: `*` where the right is not restricted. */
export interface RightEntry {
  controller: string;
  action: string;
  index: string;
  collection: string;
  value: 'allowed' | 'denied';
}

/** Flattens the rights a set of profiles grants, as auth:getMyRights reports them. */
export function describeRights(profiles: readonly Profile[], roles: ReadonlyMap<string, Role>): RightEntry[] {
  const entries = new Map<string, RightEntry>();
  for (const profile of profiles) {
    for (const policy of profile.policies) {
      const role = roles.get(policy.roleId);
      if (!role) continue;
      const places = policy.restrictedTo?.length
        ? policy.restrictedTo.flatMap((r) => (r.collections?.length ? r.collections.map((c) => [r.index, c] as const) : [[r.index, '*'] as const]))
        : [['*', '*'] as const];
      for (const [controller, { actions }] of Object.entries(role.controllers)) {
        for (const [action, value] of Object.entries(actions)) {
          for (const [index, collection] of places) {
            const key = `${controller}:${action}:${index}:${collection}`;
            const allowed = value === true;
            if (!entries.has(key) || allowed) entries.set(key, { controller, action, index, collection, value: allowed ? 'allowed' : 'denied' });
          }
        }
      }
    }
  }
  return [...entries.values()];
}
