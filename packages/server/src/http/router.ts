import type { ActionDefinition, HttpVerb } from '../api/action.js';

export interface RouteMatch {
  definition: ActionDefinition;
  params: Record<string, string>;
}

interface Node {
  literals: Map<string, Node>;
  param: { name: string; node: Node } | undefined;
  handlers: Map<HttpVerb, ActionDefinition>;
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
    const params: Record<string, string> = {};
    for (const segment of splitPath(path)) {
      const literal = node.literals.get(segment);
      if (literal) node = literal;
      else if (node.param) {
        params[node.param.name] = safeDecode(segment);
        node = node.param.node;
      } else return null;
    }
    const definition = node.handlers.get(verb as HttpVerb);
    return definition ? { definition, params } : null;
  }

  private add(verb: HttpVerb, path: string, definition: ActionDefinition): void {
    let node = this.root;
    for (const segment of splitPath(path)) {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (node.param && node.param.name !== name) throw new Error(`Route ${verb} ${path}: placeholder :${name} clashes with :${node.param.name}`);
        node.param ??= { name, node: newNode() };
        node = node.param.node;
      } else {
        const next = node.literals.get(segment) ?? newNode();
        node.literals.set(segment, next);
        node = next;
      }
    }
    if (node.handlers.has(verb)) throw new Error(`Duplicate route ${verb} ${path}`);
    node.handlers.set(verb, definition);
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
