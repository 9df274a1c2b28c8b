/**
 * A directory entry as ldapjs 2 hands it over (`SearchEntry.object`): `dn` plus one key per
 * attribute, a string for one value and an array for several. ldapauth-fork adds `_groups`
 * (the group entries) when a group search is configured.
 */
export interface DirectoryEntry {
  dn: string;
  [attribute: string]: unknown;
}

/** The entry verify received, or null when it is not one (a strategy may hand over anything). */
export function asEntry(value: unknown): DirectoryEntry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return typeof (value as { dn?: unknown }).dn === 'string' ? (value as DirectoryEntry) : null;
}

/** An attribute of an entry (or of its `_raw` twin), whatever the case of its name; undefined when absent. */
export function attributeOf(holder: unknown, attribute: string): unknown {
  if (typeof holder !== 'object' || holder === null) return undefined;
  const wanted = attribute.toLowerCase();
  const key = Object.keys(holder).find((name) => name.toLowerCase() === wanted);
  return key === undefined ? undefined : (holder as Record<string, unknown>)[key];
}

/**
 * The values of an attribute, whatever the case of its name: directories answer with their
 * schema's spelling (`sAMAccountName`), which may differ from the configured one.
 */
export function attributeValues(entry: Record<string, unknown>, attribute: string): string[] {
  const value = attributeOf(entry, attribute);
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === 'string');
}

/**
 * The login an entry stands for: its `attribute` value. When the attribute has several values
 * (uid may), the one the user typed wins, so that the login maps to what was asked for.
 */
export function loginOf(entry: Record<string, unknown>, attribute: string, typed?: string): string | null {
  const values = attributeValues(entry, attribute);
  const matching = typed === undefined ? undefined : values.find((value) => value.toLowerCase() === typed.toLowerCase());
  return matching ?? values[0] ?? null;
}

/** The names a group answers to in groupProfiles: its DN and its cn values, lower-cased. */
export function groupNames(entry: DirectoryEntry): string[] {
  const groups = Array.isArray(entry['_groups']) ? (entry['_groups'] as unknown[]) : [];
  return groups.flatMap((group) => {
    const found = asEntry(group);
    return found ? [found.dn, ...attributeValues(found, 'cn')].map((name) => name.toLowerCase()) : [];
  });
}
