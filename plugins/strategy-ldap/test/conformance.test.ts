import { strategyConformance } from '../../../packages/core/test/strategies/strategy-conformance.js';
import { CONFORMANCE_PASSWORD, CONFORMANCE_USERS } from '../../../test/support/slapd-fixture.js';
import { directoryConfig, openLdapCore } from './helpers/core.js';
import { useSlapd } from './helpers/slapd.js';

const slapd = useSlapd();
let next = 0;

/** The entry the directory hands verify after a successful bind, for a directory login. */
const entryFor = (username: unknown) => ({ dn: `uid=${String(username)},ou=people,dc=example,dc=test`, uid: String(username) });

strategyConformance({
  name: 'ldap (against slapd)',
  makePlugin: async () => {
    const core = await openLdapCore(directoryConfig(slapd()));
    return { plugin: core.plugin, cleanup: core.cleanup };
  },
  // Real directory logins, one after the other, so that the Passport run can bind as them.
  validCredentials: () => ({ username: CONFORMANCE_USERS[next++ % CONFORMANCE_USERS.length]!.uid }),
  loginArgs: (credentials) => [entryFor(credentials['username'])],
  wrongLoginArgs: () => [entryFor('nobody-in-the-registry')],
  // Every ldap field names the user's directory entry: administrators only.
  selfEditableFields: [],
  passportRequest: (credentials) => ({
    method: 'POST', url: '/_login/ldap', body: { username: credentials['username'], password: CONFORMANCE_PASSWORD }, query: {}, headers: {}, ip: '127.0.0.1',
  }),
});
