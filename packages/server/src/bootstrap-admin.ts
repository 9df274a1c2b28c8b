import { isPortcullisError, userChangeDetails } from '@portcullis/core';
import type { ServerContext } from './api/action.js';

/**
 * Unattended installs: PORTCULLIS_ADMIN_USERNAME / PORTCULLIS_ADMIN_PASSWORD create the first
 * administrator (local credentials) at start, only while no administrator exists.
 */
export async function bootstrapAdmin(context: ServerContext): Promise<void> {
  const { username, password } = context.config.security.admin;
  if (!username || !password) return;
  if (await context.security.adminExists()) return;
  let user;
  try {
    // The username is the kuid too, so operators can find the account by the name they chose.
    const content = { profileIds: ['admin'], name: username };
    user = await context.users.createFirstAdmin({ kuid: username, content, credentials: { local: { username, password } } });
    context.audit.record({ type: 'user:create', userId: user._id, details: userChangeDetails('bootstrap', content, { local: true }) });
  } catch (error) {
    // Another node starting at the same moment created it: that is the outcome we wanted.
    if (isPortcullisError(error) && error.id === 'api.process.admin_exists') return;
    throw error;
  }
  context.logger.info({ ns: 'portcullis:bootstrap', kuid: user._id, username }, 'created the first administrator from the configuration');
}
