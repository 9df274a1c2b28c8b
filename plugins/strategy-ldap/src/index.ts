export { createLdapStrategy, LDAP_STRATEGY_NAME } from './create-ldap-strategy.js';
export { ldapStrategyConfigSchema, parseLdapStrategyConfig, type LdapStrategyConfig, type LdapStrategyConfigInput } from './config.js';
export { LdapStrategyPlugin, type LdapStrategyDependencies } from './ldap-strategy.js';
export { DirectoryStrategy, WRONG_CREDENTIALS, MISSING_CREDENTIALS, type DirectoryStrategyOptions } from './directory-strategy.js';
export {
  LDAP_STRATEGY_FIELDS, MAX_USERNAME_LENGTH, MAX_PASSWORD_LENGTH, foldLogin, parseLdapCredentials, readLoginInput,
  type LdapCredentials, type SearchOverrides,
} from './credentials-input.js';
export { escapeFilterValue, fillFilter, isFilterTemplate, isDistinguishedName } from './filter.js';
export { classifyDirectoryError, type DirectoryErrorKind } from './directory-errors.js';
export { Provisioner, PROVISIONED } from './provisioning.js';
export { serverOptions } from './server-options.js';
export { EntryBindings, type BindOutcome } from './entry-bindings.js';
export { EntryMapping, type EntryMappingDependencies } from './entry-mapping.js';
export { dnKey, entryKeyOf, type EntryKey } from './entry-key.js';
