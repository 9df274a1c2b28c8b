/**
 * The part of Elasticsearch's query DSL that Portcullis searches understand, as a small tree
 * the SQL compilers walk. Parsing (parse-query.ts) checks shapes only; which fields exist is
 * for each search target to say.
 */
export type Scalar = string | number | boolean;

export interface Bounds {
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}

export type Clause =
  | { kind: 'all' }
  | { kind: 'ids'; values: string[] }
  /** `term` and `terms`: the field holds one of the values, exactly. */
  | { kind: 'term'; field: string; values: Scalar[] }
  /** `match`: analysed like the field (terms of a text field, the exact value otherwise). */
  | { kind: 'match'; field: string; query: Scalar; operator: 'or' | 'and' }
  | { kind: 'prefix'; field: string; value: string }
  | { kind: 'range'; field: string; bounds: Bounds }
  | { kind: 'exists'; field: string }
  | { kind: 'bool'; must: Clause[]; mustNot: Clause[]; should: Clause[]; minimumShouldMatch: number };

export interface SortKey {
  field: string;
  order: 'asc' | 'desc';
}

/** A parsed search body: `query` (match_all when absent) and `sort`. */
export interface SearchQuery {
  query: Clause;
  sort: SortKey[];
  /** Elasticsearch's `search_after`: one value per sort key (null: missing); hits sort strictly after them. */
  searchAfter?: Array<Scalar | null>;
}

/** The clauses we serve, for error messages. */
export const SUPPORTED_CLAUSES = ['match_all', 'ids', 'term', 'terms', 'match', 'prefix', 'range', 'exists', 'bool'] as const;

/** Every field a query names (for the targets' checks). */
export function fieldsOf(clause: Clause): string[] {
  switch (clause.kind) {
    case 'all':
    case 'ids':
      return [];
    case 'bool':
      return [...clause.must, ...clause.mustNot, ...clause.should].flatMap(fieldsOf);
    default:
      return [clause.field];
  }
}
