import { expect } from 'chai';
import { ldapStrategyConfigSchema, parseLdapStrategyConfig } from '../src/index.js';
import { thrown } from './helpers/core.js';

const minimal = { url: 'ldap://127.0.0.1:389', searchBase: 'ou=people,dc=example,dc=test' };
const refusal = (config: Record<string, unknown>) => thrown(() => parseLdapStrategyConfig(config, 'ldap'));

describe('strategy-ldap/config', () => {
  describe('#parseLdapStrategyConfig', () => {
    it('needs only a URL and a search base, and gives safe defaults', () => {
      const config = parseLdapStrategyConfig(minimal, 'ldap');
      expect(config).to.deep.include({
        searchFilter: '(uid={{username}})', searchScope: 'sub', usernameAttribute: 'uid', connectTimeout: 5000, timeout: 5000,
      });
      expect(config.tls).to.deep.equal({ startTLS: false, rejectUnauthorized: true });
      expect(config.provisioning).to.deep.equal({ enabled: false, defaultProfiles: ['default'], attributes: {}, groupProfiles: {} });
      expect(config.bindDN).to.equal(undefined);
    });

    it('keys entries by DN unless entryKeyAttribute names an attribute', () => {
      expect(parseLdapStrategyConfig(minimal, 'ldap').entryKeyAttribute).to.equal(undefined);
      expect(parseLdapStrategyConfig({ ...minimal, entryKeyAttribute: 'objectGUID' }, 'ldap').entryKeyAttribute).to.equal('objectGUID');
      expect(refusal({ ...minimal, entryKeyAttribute: '(uid=*)' }).message).to.include('plugins.ldap.entryKeyAttribute');
    });

    it('freezes the result, nested objects included', () => {
      const config = parseLdapStrategyConfig({ ...minimal, provisioning: { attributes: { email: 'mail' } } }, 'ldap');
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.provisioning.attributes)).to.equal(true);
    });

    it('refuses an absent namespace: a URL and a search base are required', () => {
      const error = thrown(() => parseLdapStrategyConfig(undefined, 'ldap'));
      expect(error.id).to.equal('plugin.strategy.invalid_description');
      expect(error.message).to.include('plugins.ldap.url').and.to.include('plugins.ldap.searchBase');
    });

    it('refuses a search filter without {{username}}, or that is not one LDAP filter', () => {
      expect(refusal({ ...minimal, searchFilter: '(uid=admin)' }).message).to.include('plugins.ldap.searchFilter');
      expect(refusal({ ...minimal, searchFilter: 'uid={{username}}' }).message).to.include('plugins.ldap.searchFilter');
      expect(refusal({ ...minimal, searchFilter: '(uid={{username}})(x=y)' }).message).to.include('plugins.ldap.searchFilter');
    });

    it('refuses DNs that do not parse, URLs of other schemes, a bindDN without its password', () => {
      expect(refusal({ ...minimal, searchBase: 'people' }).message).to.include('plugins.ldap.searchBase');
      expect(refusal({ ...minimal, url: 'http://ldap.example.com' }).message).to.include('plugins.ldap.url');
      expect(refusal({ ...minimal, bindDN: 'cn=portcullis,dc=example,dc=test' }).message).to.include('plugins.ldap.bindCredentials');
    });

    it('refuses StartTLS on an ldaps:// URL, and group profiles without a group search', () => {
      expect(refusal({ ...minimal, url: 'ldaps://ldap.example.com', tls: { startTLS: true } }).message).to.include('plugins.ldap.tls.startTLS');
      expect(refusal({ ...minimal, provisioning: { groupProfiles: { admins: ['admin'] } } }).message).to.include('plugins.ldap.provisioning.groupProfiles');
    });

    it('refuses mapping an attribute onto profileIds or a prototype key', () => {
      expect(refusal({ ...minimal, provisioning: { attributes: { profileIds: 'memberOf' } } }).message).to.include('plugins.ldap.provisioning.attributes');
      expect(refusal({ ...minimal, provisioning: { attributes: { constructor: 'cn' } } }).message).to.include('plugins.ldap.provisioning.attributes');
    });

    it('refuses unknown keys rather than ignoring a typo, and names the strategy', () => {
      const error = thrown(() => parseLdapStrategyConfig({ ...minimal, serachFilter: '(uid={{username}})' }, 'directory'));
      expect(error.message).to.include('plugins.directory.serachFilter');
      expect(error.props[0]).to.equal('directory');
    });

    it('accepts several URLs, a group search and Active Directory names', () => {
      const config = parseLdapStrategyConfig({
        ...minimal,
        url: ['ldaps://dc1.corp.example.com', 'ldaps://dc2.corp.example.com:636'],
        searchFilter: '(&(objectCategory=person)(sAMAccountName={{username}}))',
        usernameAttribute: 'sAMAccountName',
        groupSearch: { base: 'ou=groups,dc=corp,dc=example,dc=com' },
      }, 'ldap');
      expect(config.groupSearch).to.deep.equal({ base: 'ou=groups,dc=corp,dc=example,dc=com', filter: '(member={{dn}})', scope: 'sub' });
    });
  });

  describe('ldapStrategyConfigSchema', () => {
    it('describes every field', () => {
      const fields: Record<string, { description?: string | undefined }> = ldapStrategyConfigSchema.shape;
      expect(Object.keys(fields)).to.include('url');
      for (const [key, field] of Object.entries(fields)) expect(field.description, key).to.be.a('string').and.not.be.empty;
      for (const [key, field] of Object.entries(ldapStrategyConfigSchema.shape.provisioning.unwrap().shape)) expect(field.description, key).to.be.a('string').and.not.be.empty;
    });
  });
});
