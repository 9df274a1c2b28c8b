import ldap from 'ldapjs';

/**
 * Escapes a value for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL must be
 * written `\XX`. `{` and `}` are escaped too (any octet may be), so that a login such as
 * `{{dn}}` can never look like a placeholder to a later substitution.
 *
 * ldapauth-fork has its own substitution, but it escapes `*`, `(` and `)` first and the
 * backslash afterwards, so `*` becomes `\5c2a` (a literal "\2a"): safe, but a login holding one
 * of those characters can never be found. The plugin fills filters itself with this function.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0{}]/g, (character) => `\\${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The placeholders a filter template may hold. */
export type FilterValues = Partial<Record<'username' | 'dn', string>>;

/**
 * Puts escaped values in place of `{{username}}` and `{{dn}}`, in one pass so that a value
 * is never scanned for placeholders again.
 */
export function fillFilter(template: string, values: FilterValues): string {
  return template.replace(/\{\{(username|dn)\}\}/g, (_, name: keyof FilterValues) => escapeFilterValue(values[name] ?? ''));
}

/**
 * Whether `template`, once filled, is one well-formed LDAP filter. ldapjs parses some
 * malformed filters leniently, so the parenthesis balance is checked as well.
 */
export function isFilterTemplate(template: string, placeholders: ReadonlyArray<keyof FilterValues>): boolean {
  const filled = fillFilter(template, { username: 'probe', dn: 'uid=probe,dc=example' });
  if (!filled.startsWith('(') || !balanced(filled)) return false;
  if (/\{\{[^}]*\}\}/.test(template.replace(new RegExp(`\\{\\{(${placeholders.join('|')})\\}\\}`, 'g'), ''))) return false;
  try {
    ldap.parseFilter(filled);
    return true;
  } catch {
    return false;
  }
}

/** Whether `text` is a distinguished name (RFC 4514) ldapjs can parse. */
export function isDistinguishedName(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    ldap.parseDN(text);
    return true;
  } catch {
    return false;
  }
}

function balanced(filter: string): boolean {
  let depth = 0;
  for (let index = 0; index < filter.length; index++) {
    const character = filter[index];
    // Escapes are \XX: skip them (a literal parenthesis is always escaped in a valid filter).
    if (character === '\\') index += 2;
    else if (character === '(') depth += 1;
    else if (character === ')' && --depth < 0) return false;
    // One top-level filter only: "(a=1)(b=2)" is two.
    if (depth === 0 && index < filter.length - 1 && character === ')') return false;
  }
  return depth === 0;
}
