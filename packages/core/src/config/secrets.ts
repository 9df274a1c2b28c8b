import { z } from 'zod';
import { redactUrl } from '../storage/open-storage.js';

/**
 * Config fields that must never leave the node (server:getConfig, logs): a schema marks them with
 * {@link secret} or {@link secretUrl}, and {@link redactConfig} derives what to remove from the
 * schema itself, so that a new secret field is hidden by marking it where it is declared.
 */
const SECRET = 'secret';

/** Marks a config field as secret: {@link redactConfig} leaves it out. */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [SECRET]: true });
}

/** Marks a URL field that may hold credentials: {@link redactConfig} keeps it without user name, password or query string. */
export function secretUrl<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [SECRET]: 'url' });
}

/** A JSON Schema node, as z.toJSONSchema writes them. */
interface Node {
  secret?: true | 'url';
  type?: string | string[];
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  anyOf?: Node[];
  oneOf?: Node[];
  allOf?: Node[];
}

const schemas = new WeakMap<z.ZodType, Node>();

function jsonSchemaOf(schema: z.ZodType): Node {
  let node = schemas.get(schema);
  if (!node) {
    // Refinements and transforms cannot be written as JSON Schema; their shapes can, which is all this needs.
    node = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
    schemas.set(schema, node);
  }
  return node;
}

/** One node out of a union or an intersection: secret when any branch is, with every branch's fields. */
function flatten(node: Node): Node {
  const branches = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])].map(flatten);
  if (branches.length === 0) return node;
  const merged: Node = { ...node };
  for (const branch of branches) {
    merged.secret = merged.secret === true || branch.secret === true ? true : (merged.secret ?? branch.secret);
    if (branch.properties) merged.properties = { ...branch.properties, ...merged.properties };
    merged.additionalProperties ??= branch.additionalProperties;
    merged.items ??= branch.items;
  }
  return merged;
}

/** Whether a node says nothing about its value (`{}`, z.unknown()): such a value may hold anything, secrets included. */
function isOpaque(node: Node): boolean {
  return node.type === undefined && !node.properties && !node.items && !node.anyOf && !node.oneOf && !node.allOf;
}

const DROP = Symbol('drop');

function redactNode(node: Node, value: unknown): unknown {
  const flat = flatten(node);
  if (flat.secret === true || isOpaque(flat)) return DROP;
  if (flat.secret === 'url') {
    if (typeof value === 'string') return redactUrl(value);
    if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? redactUrl(item) : DROP)).filter((item) => item !== DROP);
    return DROP;
  }
  if (Array.isArray(value)) {
    const items = flat.items;
    if (!items) return DROP;
    return value.map((item) => redactNode(items, item)).filter((item) => item !== DROP);
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const childNode = flat.properties?.[key] ?? (typeof flat.additionalProperties === 'object' ? flat.additionalProperties : undefined);
      if (!childNode) continue;
      const kept = redactNode(childNode, child);
      if (kept !== DROP) out[key] = kept;
    }
    return out;
  }
  return value;
}

/**
 * A copy of `value` with what `schema` marks secret removed ({@link secret}) or stripped of
 * credentials ({@link secretUrl}). What the schema does not describe (unknown keys, `z.unknown()`
 * values) is left out too: it could hold anything.
 */
export function redactConfig(schema: z.ZodType, value: unknown): unknown {
  const kept = redactNode(jsonSchemaOf(schema), value);
  return kept === DROP ? undefined : kept;
}
