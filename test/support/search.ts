/** A search result as the security controller returns it. */
export interface Hits {
  hits: Array<{ _id: string; _source: Record<string, unknown> }>;
  total: number;
  scrollId?: string;
  remaining?: number;
}

/** The ids of a result's hits, in order. */
export const ids = (result: Hits): string[] => result.hits.map((hit) => hit._id);
