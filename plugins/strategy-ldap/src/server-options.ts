import type { Options as LdapAuthOptions } from 'ldapauth-fork';
import type { ConnectionOptions } from 'node:tls';
import type { LdapStrategyConfig } from './config.js';
import type { SearchOverrides } from './credentials-input.js';
import { loginOf } from './directory-entry.js';
import { fillFilter } from './filter.js';
import { startTlsOptions } from './start-tls.js';

/** The filter of a per-user `bindDN` without a `searchFilter`: read that one entry, whatever it is. */
const ANY_ENTRY = '(objectClass=*)';

/**
 * ldapauth-fork's options for one login: a fresh object each time (ldapauth-fork mutates
 * some of them), with the filter already filled and escaped, so that its own substitution
 * (which escapes badly, see filter.ts) finds no placeholder left.
 *
 * A per-user `bindDN` becomes a base-scope read of that entry, so that the bind that follows
 * is as that DN; `searchBase` and `searchFilter` replace the configured ones.
 */
export function serverOptions(config: Readonly<LdapStrategyConfig>, username: string, overrides: SearchOverrides): LdapAuthOptions {
  const search = overrides.bindDN
    ? { searchBase: overrides.bindDN, searchScope: 'base' as const, searchFilter: fillFilter(overrides.searchFilter ?? ANY_ENTRY, { username }) }
    : {
        searchBase: overrides.searchBase ?? config.searchBase,
        searchScope: config.searchScope,
        searchFilter: fillFilter(overrides.searchFilter ?? config.searchFilter, { username }),
      };
  return {
    // The first URL; DirectoryStrategy moves on to the next ones while they cannot be reached.
    url: [config.url].flat()[0] ?? '',
    ...(config.bindDN === undefined ? {} : { bindDN: config.bindDN, bindCredentials: config.bindCredentials }),
    ...search,
    searchAttributes: searchAttributes(config),
    // The raw buffers of the entry, so that a binary key (objectGUID) is read exactly (entry-key.ts).
    ...(config.entryKeyAttribute === undefined ? {} : { includeRaw: true }),
    ...groupOptions(config),
    timeout: config.timeout,
    connectTimeout: config.connectTimeout,
    // A fresh client per login: nothing to reconnect, and a directory that comes back is used
    // by the next login without a restart.
    reconnect: false,
    // Never ldapauth-fork's own `starttls`: it sends the first bind in clear text (see start-tls.ts).
    starttls: false,
    tlsOptions: config.tls.startTLS ? startTlsOptions(tlsOptions(config)) : tlsOptions(config),
    // ldapauth-fork's cache would keep a bcrypt of each password in memory and accept it after
    // the directory changed or removed the account.
    cache: false,
  };
}

function tlsOptions(config: Readonly<LdapStrategyConfig>): ConnectionOptions {
  return {
    rejectUnauthorized: config.tls.rejectUnauthorized,
    ...(config.tls.ca ? { ca: [...config.tls.ca] } : {}),
    ...(config.tls.servername ? { servername: config.tls.servername } : {}),
  };
}

/**
 * Only what the plugin reads: the login attribute, the entry key and the mapped ones (plus any configured),
 * so that nothing else an entry holds, a password hash that an ACL lets through say, is read.
 */
function searchAttributes(config: Readonly<LdapStrategyConfig>): string[] {
  const wanted = [...(config.searchAttributes ?? []), config.usernameAttribute, ...(config.entryKeyAttribute ? [config.entryKeyAttribute] : []), ...Object.values(config.provisioning.attributes)];
  return [...new Set(wanted)];
}

function groupOptions(config: Readonly<LdapStrategyConfig>): Partial<LdapAuthOptions> {
  const group = config.groupSearch;
  if (!group) return {};
  return {
    groupSearchBase: group.base,
    groupSearchScope: group.scope,
    groupSearchFilter: (user: Record<string, unknown>) =>
      fillFilter(group.filter, { dn: String(user['dn'] ?? ''), username: loginOf(user, config.usernameAttribute) ?? '' }),
    groupSearchAttributes: ['cn'],
  };
}
