import { z } from 'zod';
import { fail } from '../errors/index.js';

/** The Elasticsearch field types search understands (ES names, so Kuzzle mappings load unchanged). */
export const FIELD_TYPES = ['keyword', 'text', 'integer', 'long', 'float', 'double', 'boolean', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** An Elasticsearch mapping's `properties`: a field is a `{type}` or an object of `properties`. */
export interface MappingProperties {
  [field: string]: { type: FieldType } | { properties: MappingProperties };
}

/** Every searchable field by its dotted path ("address.city"), with its type. */
export type FlatMapping = ReadonlyMap<string, FieldType>;

/** What Kuzzle maps for users out of the box: only `profileIds` is searchable. */
export const BASE_USER_MAPPING: MappingProperties = { profileIds: { type: 'keyword' } };

/**
 * Kuzzle's fixed mappings of the profiles and roles collections (its default internalIndex
 * config). Profiles and roles are few: their searches run over the documents in memory.
 */
export const PROFILE_MAPPING = {
  tags: { type: 'keyword' },
  policies: { properties: { roleId: { type: 'keyword' }, restrictedTo: { type: 'nested', properties: { index: { type: 'keyword' }, collections: { type: 'keyword' } } } } },
} as const;
export const ROLE_MAPPING = { tags: { type: 'keyword' }, controllers: { dynamic: 'false', properties: {} } } as const;

/** ES field names: no dots (paths are nested objects), nothing empty, bounded. */
const fieldName = z.string().min(1).max(128).regex(/^[^.]+$/, 'a field name without dots');

const fieldSchema: z.ZodType<MappingProperties[string]> = z.lazy(() => z.union([
  z.object({ type: z.enum(FIELD_TYPES) }).strict(),
  z.object({ type: z.literal('object').optional(), properties: propertiesSchema }).strict().transform(({ properties }) => ({ properties })),
]));
const propertiesSchema: z.ZodType<MappingProperties> = z.lazy(() => z.record(fieldName, fieldSchema));

/** The body of security:updateUserMapping: `{properties}` (Kuzzle also tolerates `dynamic` and `_meta`, which mean nothing here). */
export const mappingBodySchema = z.object({
  properties: propertiesSchema,
  dynamic: z.unknown().optional(),
  _meta: z.unknown().optional(),
}).strict();

/**
 * Checks a mapping given by a client.
 * @throws services.storage.invalid_mapping naming the first wrong place (an unknown type, a
 *   property other than `type` and `properties`, a field name with a dot)
 */
export function parseMappingBody(body: unknown): MappingProperties {
  const parsed = mappingBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.properties;
  const issue = parsed.error.issues[0]!;
  throw fail('services.storage.invalid_mapping', issue.path.join('.'), ` ${issue.message}`);
}

/** Every leaf field of a mapping by dotted path. */
export function flatten(properties: MappingProperties, prefix = '', into = new Map<string, FieldType>()): Map<string, FieldType> {
  for (const [name, field] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if ('type' in field) into.set(path, field.type);
    else flatten(field.properties, `${path}.`, into);
  }
  return into;
}

/**
 * `current` with `added` merged in, as Elasticsearch merges a mapping update: new fields are
 * added, a field keeps its type for ever.
 * @throws services.storage.cannot_change_mapping when a field would change its type, or turn
 *   from a value into an object (or back)
 */
export function mergeMappings(current: MappingProperties, added: MappingProperties, prefix = ''): MappingProperties {
  const merged: MappingProperties = { ...current };
  for (const [name, field] of Object.entries(added)) {
    const existing = current[name];
    const path = `${prefix}${name}`;
    if (existing === undefined) {
      merged[name] = field;
    } else if ('type' in existing && 'type' in field) {
      if (existing.type !== field.type) throw fail('services.storage.cannot_change_mapping', path);
    } else if ('properties' in existing && 'properties' in field) {
      merged[name] = { properties: mergeMappings(existing.properties, field.properties, `${path}.`) };
    } else {
      throw fail('services.storage.cannot_change_mapping', path);
    }
  }
  return merged;
}
