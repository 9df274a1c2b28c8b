import { PROFILE_FIELDS, PROFILE_MAPPING, ROLE_FIELDS, ROLE_MAPPING, fail, parseMappingBody, type MappingProperties } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { noBody } from '../api/schemas.js';
import { serializeProfile, serializeRole } from './rights-common.js';
import { scrollArgs, searchArgs } from './security-search.js';


/** Kuzzle's profile search body: a query, or the deprecated `roles` list (never both). */
const profileBody = z.object({ roles: z.array(z.string()).optional(), query: z.unknown().optional(), sort: z.unknown().optional() }).loose().optional();
/** Kuzzle's role search body: a query, or `controllers` (never both). */
const roleBody = z.object({ controllers: z.array(z.string()).optional(), query: z.unknown().optional(), sort: z.unknown().optional() }).loose().optional();

/**
 * The fixed mappings of profiles and roles: Kuzzle lets its Elasticsearch mapping grow, but
 * profiles and roles hold only the fields their schemas allow, so a new field could never
 * match. An update that only restates fields of the mapping is accepted (and changes nothing);
 * one that adds or retypes a field is refused.
 * @throws services.storage.cannot_change_mapping naming the field, services.storage.invalid_mapping
 */
function restate(fixed: Record<string, unknown>, body: unknown): MappingProperties {
  const given = parseMappingBody(body);
  const walk = (properties: MappingProperties, known: Record<string, unknown>, prefix: string): void => {
    for (const [name, field] of Object.entries(properties)) {
      const existing = known[name] as { type?: string; properties?: Record<string, unknown> } | undefined;
      const same = existing !== undefined && ('type' in field ? existing.type === field.type : existing.properties !== undefined);
      if (!same) throw fail('services.storage.cannot_change_mapping', `${prefix}${name}`);
      if ('properties' in field) walk(field.properties, existing.properties ?? {}, `${prefix}${name}.`);
    }
  };
  walk(given, fixed, '');
  return fixed as MappingProperties;
}

function mappingActions(collection: 'profiles' | 'roles', name: 'Profile' | 'Role', fixed: Record<string, unknown>) {
  return [
    defineAction({
      controller: 'security', action: `get${name}Mapping`, description: `The fixed mapping of ${collection} (Kuzzle's).`,
      http: [{ verb: 'GET', path: `/${collection}/_mapping` }], args: z.object({}).loose(), body: noBody,
      handler: () => ({ mapping: fixed }),
    }),
    defineAction({
      controller: 'security', action: `update${name}Mapping`,
      description: `Accepts a mapping that restates fields of the fixed ${collection} mapping; refuses any new or retyped field (${collection} hold no other field).`,
      http: [{ verb: 'PUT', path: `/${collection}/_mapping` }], args: z.object({}).loose(), body: z.unknown(),
      handler: ({ body }) => ({ properties: restate(fixed, body) }),
    }),
  ];
}

/** The query of a profile search: Kuzzle turns `roles` into a terms query on policies.roleId. */
function profileQuery(body: z.output<typeof profileBody>): unknown {
  if (body?.roles === undefined) return body;
  if (body.query !== undefined) throw fail('api.assert.invalid_argument', 'body', 'either "roles" or "query", not both');
  const { roles, ...rest } = body;
  return { ...rest, query: roles.length > 0 ? { terms: { 'policies.roleId': roles } } : { match_all: {} } };
}

/** security: searching profiles and roles, and their mappings. */
export const rightsSearchActions = [
  defineAction({
    controller: 'security', action: 'searchProfiles',
    description: 'Profiles matching an Elasticsearch query (fields: _id, tags, policies.roleId) or holding one of `roles`, with from/size or a scroll.',
    http: [{ verb: 'POST', path: '/profiles/_search' }], args: searchArgs, body: profileBody,
    async handler({ args, body, ctx }) {
      const result = await ctx.search.searchDocuments('profiles', await ctx.storage.profiles.list(), PROFILE_FIELDS, profileQuery(body), args);
      return { ...result, hits: result.hits.map(serializeProfile) };
    },
  }),
  defineAction({
    controller: 'security', action: 'scrollProfiles', description: 'The next page of a scrolled profile search.',
    http: [{ verb: 'GET', path: '/profiles/_scroll/:scrollId' }], args: scrollArgs, body: noBody,
    async handler({ args, ctx }) {
      const result = await ctx.search.scrollDocuments('profiles', await ctx.storage.profiles.list(), PROFILE_FIELDS, args.scrollId, args.scroll);
      return { ...result, hits: result.hits.map(serializeProfile) };
    },
  }),
  defineAction({
    controller: 'security', action: 'searchRoles',
    description: 'Roles giving rights on one of `controllers` (or on every controller, "*"), or matching an Elasticsearch query (fields: _id, tags), with from/size.',
    http: [{ verb: 'POST', path: '/roles/_search' }], args: searchArgs.omit({ scroll: true }), body: roleBody,
    async handler({ args, body, ctx }) {
      const { controllers, ...rest } = body ?? {};
      if (controllers !== undefined && rest.query !== undefined) throw fail('api.assert.invalid_argument', 'body', 'either "controllers" or "query", not both');
      let roles = await ctx.storage.roles.list();
      // Kuzzle keeps the roles whose controllers include "*" or one of those asked.
      if (controllers !== undefined && controllers.length > 0) roles = roles.filter((role) => Object.keys(role.controllers).some((key) => key === '*' || controllers.includes(key)));
      const result = await ctx.search.searchDocuments('roles', roles, ROLE_FIELDS, rest, args);
      return { hits: result.hits.map(serializeRole), total: result.total };
    },
  }),
  ...mappingActions('profiles', 'Profile', PROFILE_MAPPING),
  ...mappingActions('roles', 'Role', ROLE_MAPPING),
];
