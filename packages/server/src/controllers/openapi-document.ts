import { z } from 'zod';
import type { ActionDefinition, HttpRoute } from '../api/action.js';
import { noBody } from '../api/schemas.js';

type JsonSchema = Record<string, unknown>;

/** The JSON Schema of an action's argument or body schema, as OpenAPI 3.1 embeds it. */
function jsonSchema(schema: z.ZodType): JsonSchema {
  // Refinements and transforms have no JSON Schema; the shapes around them do.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/users/:_id/_update` → `/users/{_id}/_update`, and the names of its placeholders. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:(\w+)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

function parameters(definition: ActionDefinition, pathParams: string[]): JsonSchema[] {
  const args = jsonSchema(definition.args);
  const properties = (args['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((args['required'] ?? []) as string[]);
  const list: JsonSchema[] = pathParams.map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } }));
  for (const [name, schema] of Object.entries(properties)) {
    if (pathParams.includes(name)) continue;
    // Over HTTP, a boolean argument is a presence flag (`?global`); arrays travel as comma lists.
    const query = schema['type'] === 'boolean' ? { ...schema, description: 'a presence flag: present means true' } : schema;
    list.push({ name, in: 'query', required: required.has(name), schema: query });
  }
  return list;
}

function operation(definition: ActionDefinition, route: HttpRoute, pathParams: string[], index: number): JsonSchema {
  const op: JsonSchema = {
    operationId: `${definition.controller}_${definition.action}${index === 0 ? '' : `_${index}`}`,
    tags: [definition.controller],
    summary: `${definition.controller}:${definition.action}`,
    description: definition.description,
    parameters: parameters(definition, pathParams),
    responses: {
      '200': { description: 'The response envelope; `result` holds the answer', content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } } },
      default: { description: 'An error envelope; `error.id` names it', content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } } },
    },
  };
  if (route.deprecated) op['deprecated'] = true;
  if (definition.body !== noBody && route.verb !== 'GET') {
    op['requestBody'] = { content: { 'application/json': { schema: jsonSchema(definition.body) } } };
  }
  return op;
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'code', 'message', 'props', 'status'],
  properties: {
    id: { type: 'string', description: 'The catalogued error id, e.g. security.token.invalid' },
    code: { type: 'integer' },
    message: { type: 'string' },
    props: { type: 'array', items: { type: 'string' } },
    status: { type: 'integer' },
  },
};

const ENVELOPE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['requestId', 'status', 'error', 'controller', 'action', 'result', 'node'],
  properties: {
    requestId: { type: ['string', 'null'] },
    status: { type: 'integer' },
    error: { oneOf: [{ $ref: '#/components/schemas/Error' }, { type: 'null' }] },
    controller: { type: ['string', 'null'] },
    action: { type: ['string', 'null'] },
    index: { type: 'null' },
    collection: { type: 'null' },
    volatile: { type: ['object', 'null'] },
    result: {},
    node: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/**
 * An OpenAPI 3.1 document of every HTTP route of `definitions`: paths from the route table,
 * parameters and request bodies from the actions' zod schemas, Kuzzle's envelope as response.
 */
export function openApiDocument(definitions: readonly ActionDefinition[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const definition of definitions) {
    definition.http.forEach((route, index) => {
      const { path, params } = openApiPath(route.path);
      paths[path] ??= {};
      paths[path][route.verb.toLowerCase()] = operation(definition, route, params, index);
    });
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Portcullis', version, description: "Kuzzle 2's auth, security and server controllers over HTTP. The same actions are served over WebSocket." },
    paths,
    components: {
      schemas: { Envelope: ENVELOPE_SCHEMA, Error: ERROR_SCHEMA },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from auth:login: `Authorization: Bearer <token>`' },
        basic: { type: 'http', scheme: 'basic', description: 'The local strategy, checked for this request only' },
      },
    },
    // Anonymous requests are allowed too: their rights are the anonymous role's.
    security: [{ bearer: [] }, { basic: [] }, {}],
  };
}
