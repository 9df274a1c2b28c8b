import { createHash, randomBytes } from 'node:crypto';

/**
 * The directory tree the LDAP tests log in against. Passwords are stored as {SSHA} hashes, as
 * slappasswd writes them, so that binds go through slapd's real password check.
 */
export const BASE_DN = 'dc=example,dc=test';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
/** An OU holding one entry only: an unescaped wildcard filter there matches exactly one user. */
export const SOLO_DN = `ou=solo,${BASE_DN}`;
/** An OU whose entries share a `uid` with entries of ou=people: two entries, one login value. */
export const CONTRACTORS_DN = `ou=contractors,${BASE_DN}`;
export const ADMIN = { dn: `cn=admin,${BASE_DN}`, password: 'directory-admin-pw' };
export const SERVICE = { dn: `cn=portcullis,ou=services,${BASE_DN}`, password: 'service-account-pw' };

export interface DirectoryUser {
  uid: string;
  password: string;
  cn: string;
  mail: string;
  dn: string;
}

const person = (uid: string, password: string, cn: string, base = PEOPLE_DN): DirectoryUser => ({
  uid,
  password,
  cn,
  mail: `${uid.replace(/[^a-z0-9]/gi, '')}@example.test`,
  dn: `uid=${uid},${base}`,
});

/** Directory users by role in the tests. */
export const USERS = {
  alice: person('alice', 'alice-directory-pw', 'Alice Liddell'),
  bob: person('bob', 'bob-directory-pw', 'Bob Builder'),
  carol: person('carol', 'carol-directory-pw', 'Carol Danvers'),
  dave: person('dave', 'dave-directory-pw', 'Dave Lister'),
  erin: person('erin', 'erin-directory-pw', 'Erin Brockovich'),
  /** RFC 4515's special characters in a real login: only a correctly escaped filter finds it. */
  special: person('o(neil)*', 'oneil-directory-pw', 'Jack O(Neil)'),
  /** The only entry of ou=solo: what `*` or `admin*` would match if the filter were not escaped. */
  soloAdmin: person('admin', 'solo-admin-directory-pw', 'Solo Admin', SOLO_DN),
  /** Another entry whose uid is "alice", with its own password: the same login value, another person. */
  aliceTwin: person('alice', 'alice-twin-directory-pw', 'Alice Twin', CONTRACTORS_DN),
} as const;

/** Interchangeable users for the conformance suite (the same password, distinct logins). */
export const CONFORMANCE_PASSWORD = 'conformance-directory-pw';
export const CONFORMANCE_USERS: readonly DirectoryUser[] = Array.from({ length: 24 }, (_, index) =>
  person(`conformance-${index}`, CONFORMANCE_PASSWORD, `Conformance ${index}`));

/** groupOfNames by member DN, and one posixGroup by memberUid (both styles exist in the wild). */
export const GROUPS = {
  staff: { dn: `cn=staff,${GROUPS_DN}`, members: [USERS.alice, USERS.bob, USERS.erin] },
  admins: { dn: `cn=admins,${GROUPS_DN}`, members: [USERS.bob] },
  devs: { dn: `cn=devs,${GROUPS_DN}`, memberUids: [USERS.carol.uid, USERS.erin.uid] },
} as const;

/** `{SSHA}` of a password, as slappasswd writes it. */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** The whole tree as LDIF, for slapadd. */
export function fixtureLdif(): string {
  const entries: string[] = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    ...['people', 'groups', 'services', 'solo', 'contractors'].map((ou) => `dn: ou=${ou},${BASE_DN}\nobjectClass: organizationalUnit\nou: ${ou}`),
    `dn: ${SERVICE.dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: portcullis\nuserPassword: ${ssha(SERVICE.password)}`,
    ...[...Object.values(USERS), ...CONFORMANCE_USERS].map(personLdif),
    ...[GROUPS.staff, GROUPS.admins].map((group) => [
      `dn: ${group.dn}`, 'objectClass: groupOfNames', `cn: ${group.dn.slice(3, group.dn.indexOf(','))}`,
      ...group.members.map((member) => `member: ${member.dn}`),
    ].join('\n')),
    [`dn: ${GROUPS.devs.dn}`, 'objectClass: posixGroup', 'cn: devs', 'gidNumber: 5000', ...GROUPS.devs.memberUids.map((uid) => `memberUid: ${uid}`)].join('\n'),
  ];
  return `${entries.join('\n\n')}\n`;
}

function personLdif(user: DirectoryUser): string {
  const [surname] = user.cn.split(' ').slice(-1);
  return [
    `dn: ${user.dn}`, 'objectClass: inetOrgPerson', `uid: ${user.uid}`, `cn: ${user.cn}`, `sn: ${surname}`,
    `mail: ${user.mail}`, `userPassword: ${ssha(user.password)}`,
  ].join('\n');
}
