import { fail, type StrategyContext, type StrategyFactory, type StrategyPlugin } from '@portcullis/core';
import { parseLdapStrategyConfig } from './config.js';
import { LdapStrategyPlugin } from './ldap-strategy.js';
import { Provisioner } from './provisioning.js';

/** The name the server registers this strategy under. */
export const LDAP_STRATEGY_NAME = 'ldap';

/**
 * Builds the ldap strategy from its context: validates `plugins.<name>` with
 * {@link ldapStrategyConfigSchema}. It does not contact the directory: a directory that is down
 * at start only makes LDAP logins fail (plugin.strategy.unavailable) until it is back.
 * @throws PortcullisError `plugin.strategy.invalid_description` naming each invalid config key, when
 *   the context offers no `bindings`, or when provisioning is enabled and it offers no `users`
 */
export const createLdapStrategy: StrategyFactory = (context: StrategyContext): StrategyPlugin => {
  const name = context.name || LDAP_STRATEGY_NAME;
  const config = parseLdapStrategyConfig(context.config, name);
  if (!context.bindings) throw fail('plugin.strategy.invalid_description', name, 'the strategy needs the core\'s bindings namespace (StrategyContext.bindings)');
  let provisioner: Provisioner | undefined;
  if (config.provisioning.enabled) {
    if (!context.users) throw fail('plugin.strategy.invalid_description', name, 'provisioning needs the core\'s user management (StrategyContext.users)');
    provisioner = new Provisioner({ name, config, users: context.users, credentials: context.credentials, logger: context.logger });
  }
  const urls = [config.url].flat();
  context.logger.info({ urls, searchBase: config.searchBase, startTLS: config.tls.startTLS, provisioning: config.provisioning.enabled, entryKey: config.entryKeyAttribute ?? 'dn' }, 'ldap strategy configured');
  return new LdapStrategyPlugin({ name, config, credentials: context.credentials, bindings: context.bindings, provisioner, logger: context.logger });
};
