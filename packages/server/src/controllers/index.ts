import type { ActionDefinition } from '../api/action.js';
import { apiKeyActions } from './api-keys.js';
import { selfActions } from './auth-self.js';
import { sessionActions } from './auth-session.js';
import { credentialActions } from './security-credentials.js';
import { userActions } from './security-users.js';
import { userBatchActions } from './security-users-batch.js';
import { serverActions } from './server.js';
import { metricsActions, statsActions } from './server-metrics.js';
import { roleActions } from './security-roles.js';
import { profileActions } from './security-profiles.js';
import { searchActions } from './security-search.js';
import { rightsSearchActions } from './security-search-rights.js';
import { userSessionActions } from './user-sessions.js';
import { auditActions } from './security-audit.js';

/** Every action this server serves, on every protocol. */
export function allActions(): ActionDefinition[] {
  const actions: ActionDefinition[] = [...sessionActions, ...selfActions, ...userActions, ...credentialActions];
  actions.push(...userBatchActions, ...userSessionActions, ...apiKeyActions);
  actions.push(...roleActions, ...profileActions);
  actions.push(...searchActions, ...rightsSearchActions, ...auditActions);
  actions.push(...serverActions(() => actions));
  actions.push(...metricsActions, ...statsActions);
  return actions;
}

/** The controllers and actions served, by controller: what a role may name without `force`. */
export function actionCatalogue(actions: readonly ActionDefinition[]): Map<string, Set<string>> {
  const catalogue = new Map<string, Set<string>>();
  for (const { controller, action } of actions) catalogue.set(controller, (catalogue.get(controller) ?? new Set()).add(action));
  return catalogue;
}
