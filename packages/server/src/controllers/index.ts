import type { ActionDefinition } from '../api/action.js';
import { selfActions } from './auth-self.js';
import { sessionActions } from './auth-session.js';
import { credentialActions } from './security-credentials.js';
import { userActions } from './security-users.js';
import { serverActions } from './server.js';
import { metricsActions, statsActions } from './server-metrics.js';

/** Every action this server serves, on every protocol. */
export function allActions(): ActionDefinition[] {
  const actions: ActionDefinition[] = [...sessionActions, ...selfActions, ...userActions, ...credentialActions];
  actions.push(...serverActions(() => actions));
  actions.push(...metricsActions, ...statsActions);
  return actions;
}
