import type { ActionDefinition, HttpVerb } from '../api/action.js';

export interface RouteMatch {
  definition: ActionDefinition;
  params: Record<string, string>;
}

interface Node {
  literals: Map<string, Node>;
  /** The placeholder segment; routes may name it differently (`/users/:_id` and `/users/:userId/api-keys`, as Kuzzle). */
  param: Node | undefined;
  /** Each route's action and the names of its placeholders, in order. */
  handlers: Map<HttpVerb, { definition: ActionDefinition; names: string[] }>;
}

const newNode = (): Node => ({ literals: new Map(), param: undefined, handlers: new Map() });

/**
 * Kuzzle's HTTP router: a trie of path segments where a literal segment always wins over a
 * placeholder, without backtracking (`GET /users/_me/x` never falls back to `/users/:_id/x`).
 * The route table is data: each action declares its routes.
 */
export class Router {
  private readonly root = newNode();

  constructor(definitions: readonly ActionDefinition[]) {
    for (const definition of definitions) for (const route of definition.http) this.add(route.verb, route.path, definition);
  }

  /** @returns the action and its path parameters, or null when no route matches */
  match(verb: string, path: string): RouteMatch | null {
    let node = this.root;
    const values: string[] = [];
    for (const segment of splitPath(path)) {
      const literal = node.literals.get(segment);
      if (literal) node = literal;
      else if (node.param) {
        values.push(segment);
        node = node.param;
      } else return null;
    }
    const handler = node.handlers.get(verb as HttpVerb);
    if (!handler) return null;
    const params: Record<string, string> = {};
    for (const [index, name] of handler.names.entries()) params[name] = safeDecode(values[index]!);
    return { definition: handler.definition, params };
  }

  private add(verb: HttpVerb, path: string, definition: ActionDefinition): void {
    let node = this.root;
    const names: string[] = [];
    for (const segment of splitPath(path)) {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        node.param ??= newNode();
        node = node.param;
      } else {
        const next = node.literals.get(segment) ?? newNode();
        node.literals.set(segment, next);
        node = next;
      }
    }
    if (node.handlers.has(verb)) throw new Error(`Duplicate route ${verb} ${path}`);
    node.handlers.set(verb, { definition, names });
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
