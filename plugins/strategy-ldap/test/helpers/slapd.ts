import { startSlapd, type Slapd } from '../../../../test/support/slapd.js';

/**
 * One throwaway slapd for the calling suite: started before its tests, destroyed after.
 * Returns a getter, as the server exists only once `before` has run.
 */
export function useSlapd(): () => Slapd {
  let slapd: Slapd | undefined;
  before(async function () {
    this.timeout(60_000);
    slapd = await startSlapd();
  });
  after(async () => slapd?.destroy());
  return () => {
    if (!slapd) throw new Error('slapd is not started');
    return slapd;
  };
}

/** Adds or removes one value of an attribute, as the directory's administrator (to change group membership mid-test). */
export async function modifyEntry(slapd: Slapd, dn: string, operation: 'add' | 'delete', attribute: string, value: string): Promise<void> {
  const ldap = (await import('ldapjs')).default;
  const client = ldap.createClient({ url: slapd.url });
  try {
    await new Promise<void>((resolve, reject) => client.bind(slapd.adminDN, slapd.adminPassword, (error) => (error ? reject(error) : resolve())));
    const change = new ldap.Change({ operation, modification: { [attribute]: [value] } });
    await new Promise<void>((resolve, reject) => client.modify(dn, change, (error) => (error ? reject(error) : resolve())));
  } finally {
    client.unbind();
  }
}

/** Entries a raw search finds, as an attacker's unescaped filter would run. */
export async function rawSearch(slapd: Slapd, base: string, filter: string): Promise<string[]> {
  const ldap = (await import('ldapjs')).default;
  const client = ldap.createClient({ url: slapd.url });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      client.search(base, { filter, scope: 'sub', attributes: ['uid'] }, (error, response) => {
        if (error) return reject(error);
        const found: string[] = [];
        response.on('searchEntry', (entry) => found.push(entry.objectName ?? String(entry.dn)));
        response.on('error', reject);
        response.on('end', () => resolve(found));
      });
    });
  } finally {
    client.unbind();
  }
}

/** Binds once as `dn` with `password` and says whether the directory accepted it. */
export async function directoryAccepts(slapd: Slapd, dn: string, password: string): Promise<boolean> {
  const ldap = (await import('ldapjs')).default;
  const client = ldap.createClient({ url: slapd.url });
  try {
    return await new Promise<boolean>((resolve) => client.bind(dn, password, (error) => resolve(!error)));
  } finally {
    client.unbind();
  }
}
