import type { ServerContext } from './api/action.js';

/**
 * Unattended installs: PORTCULLIS_ADMIN_USERNAME / PORTCULLIS_ADMIN_PASSWORD create the first
 * administrator (local credentials) at start, only while no administrator exists.
 */
export async function bootstrapAdmin(context: ServerContext): Promise<void> {
  const { username, password } = context.config.security.admin;
  if (!username || !password) return;
  if (await context.security.adminExists()) return;
  // The username is the kuid too, so operators can find the account by the name they chose.
  const user = await context.users.create({ kuid: username, content: { profileIds: ['admin'], name: username }, credentials: { local: { username, password } } });
  context.logger.info({ ns: 'portcullis:bootstrap', kuid: user._id, username }, 'created the first administrator from the configuration');
}
