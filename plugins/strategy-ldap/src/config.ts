import { z } from 'zod';
import { parsePluginConfig, secret, secretUrl } from '@portcullis/core';
import { isDistinguishedName, isFilterTemplate } from './filter.js';

const dn = (what: string) => z.string().refine(isDistinguishedName, `${what} must be a distinguished name (RFC 4514)`);
const url = z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'an ldap:// or ldaps:// URL with no path, e.g. ldaps://ldap.example.com:636');
const scope = z.enum(['base', 'one', 'sub']);
/** Attribute names (RFC 4512 descr) or OIDs. */
const attribute = z.string().regex(/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/, 'an LDAP attribute name');
const milliseconds = (fallback: number, what: string) => z.number().int().min(100).max(120_000).default(fallback).describe(what);
/** User content keys the directory may fill: never the profiles (the group mapping owns them) nor prototype keys. */
const contentKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/).refine((key) => !['profileIds', 'constructor', 'prototype'].includes(key), 'a user content field other than profileIds');

const tlsSchema = z
  .strictObject({
    startTLS: z.boolean().default(false).describe('Upgrade ldap:// connections with the StartTLS extended operation before any bind (not with ldaps://)'),
    ca: z.array(z.string().includes('-----BEGIN CERTIFICATE-----')).optional().describe('PEM certificates to trust instead of the system CAs (a private CA, a self-signed server)'),
    rejectUnauthorized: z.boolean().default(true).describe('Refuse a server whose certificate does not verify; false is for tests only'),
    servername: z.string().min(1).optional().describe('Name to check the certificate against, when the URL holds an address'),
  })
  .prefault({})
  .describe('TLS of ldaps:// URLs and of StartTLS');

const groupSearchSchema = z
  .strictObject({
    base: dn('groupSearch.base').describe('Where groups are searched, e.g. ou=groups,dc=example,dc=com'),
    filter: z.string().default('(member={{dn}})').describe('Groups of the user: {{dn}} is the user entry DN, {{username}} its usernameAttribute value (both escaped); e.g. (memberUid={{username}}) for posixGroup'),
    scope: scope.default('sub').describe('Scope of the group search'),
  })
  .refine((group) => isFilterTemplate(group.filter, ['username', 'dn']), { message: 'an LDAP filter using only {{dn}} and {{username}}', path: ['filter'] })
  .describe('Group search, run after a successful bind; its results feed provisioning.groupProfiles');

const provisioningSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Create the Portcullis user at the first successful directory login of an unknown username'),
    defaultProfiles: z.array(z.string().min(1)).min(1).default(['default']).describe('Profiles every provisioned user holds'),
    attributes: z.record(contentKey, attribute).default({}).describe('User content field → directory attribute, copied at creation and at each login, e.g. {"email": "mail", "name": "cn"}'),
    groupProfiles: z.record(z.string().min(1), z.array(z.string().min(1))).default({}).describe('Group (its cn or its DN, case-insensitive) → profiles added to defaultProfiles; re-evaluated at each login'),
  })
  .prefault({})
  .describe('Users created and kept in step from the directory (off by default)');

/**
 * The `plugins.ldap` namespace. Unknown keys are refused so that a misspelt key does not
 * silently keep a default; filters and DNs are parsed at start rather than at the first login.
 */
export const ldapStrategyConfigSchema = z
  .strictObject({
    url: secretUrl(z.union([url, z.array(url).min(1)])).describe('Directory URL, or several tried in turn when one cannot be reached'),
    bindDN: dn('bindDN').optional().describe('Service account that searches for users; absent: anonymous search'),
    bindCredentials: secret(z.string().min(1).optional()).describe('Password of the service account (never logged)'),
    searchBase: dn('searchBase').describe('Where users are searched, e.g. ou=people,dc=example,dc=com'),
    searchFilter: z.string().default('(uid={{username}})').describe('Finds the user; {{username}} is the login, escaped per RFC 4515. Active Directory: (sAMAccountName={{username}})'),
    searchScope: scope.default('sub').describe('Scope of the user search'),
    searchAttributes: z.array(attribute).min(1).optional().describe('Attributes read from the user entry (default: all user attributes); usernameAttribute and mapped attributes are added'),
    usernameAttribute: attribute.default('uid').describe('Attribute holding the login an entry maps to in the ldap credentials registry (Active Directory: sAMAccountName)'),
    entryKeyAttribute: attribute.optional().describe('Stable attribute that keys a directory entry to at most one user (OpenLDAP: entryUUID, Active Directory: objectGUID); absent: the entry\'s DN, in canonical form'),
    groupSearch: groupSearchSchema.optional().describe('Group search, run after a successful bind; its results feed provisioning.groupProfiles (absent: no group search)'),
    tls: tlsSchema,
    connectTimeout: milliseconds(5000, 'Milliseconds to open a connection (TCP and TLS) before the login fails with plugin.strategy.unavailable'),
    timeout: milliseconds(5000, 'Milliseconds each directory operation (bind, search) may take before the login fails with plugin.strategy.unavailable'),
    provisioning: provisioningSchema,
  })
  .superRefine((config, context) => {
    const issue = (path: string[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (!isFilterTemplate(config.searchFilter, ['username']) || !config.searchFilter.includes('{{username}}')) {
      issue(['searchFilter'], 'an LDAP filter holding {{username}}');
    }
    if ((config.bindDN === undefined) !== (config.bindCredentials === undefined)) issue(['bindCredentials'], 'bindDN and bindCredentials go together');
    const urls = [config.url].flat();
    if (config.tls.startTLS && urls.some((entry) => /^ldaps:/i.test(entry))) issue(['tls', 'startTLS'], 'StartTLS cannot be used with ldaps:// URLs, which are TLS already');
    if (Object.keys(config.provisioning.groupProfiles).length > 0 && !config.groupSearch) issue(['provisioning', 'groupProfiles'], 'needs groupSearch');
  })
  .describe('Configuration of the ldap (directory) strategy');

export type LdapStrategyConfig = z.output<typeof ldapStrategyConfigSchema>;
export type LdapStrategyConfigInput = z.input<typeof ldapStrategyConfigSchema>;

/**
 * Validates the raw `plugins.<name>` namespace and freezes the result.
 * @throws PortcullisError `plugin.strategy.invalid_description` naming each invalid key, e.g. `plugins.ldap.searchFilter`
 */
export function parseLdapStrategyConfig(raw: unknown, strategyName: string): Readonly<LdapStrategyConfig> {
  return parsePluginConfig(ldapStrategyConfigSchema, raw, strategyName);
}
