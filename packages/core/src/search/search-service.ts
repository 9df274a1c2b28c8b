import { fail } from '../errors/index.js';
import type { SearchPage, SearchResult, SettingsStore, SearchStore, UserRecord } from '../storage/ports.js';
import { searchDocuments } from './document-search.js';
import type { FlatMapping } from './mapping.js';
import { parseSearchBody } from './parse-query.js';
import type { SearchQuery } from './query.js';
import { DEFAULT_SCROLL_TTL, ScrollCursors, scrollDuration, type Cursor } from './scroll-cursor.js';

/** Kuzzle's limits.documentsFetchCount: the most documents one search or page returns. */
export const DOCUMENTS_FETCH_COUNT = 10_000;

export interface SearchOptions {
  from?: number | undefined;
  size?: number | undefined;
  /** A duration ("1m", or ms): the search returns a scroll id that lives that long. */
  scroll?: string | number | undefined;
}

export interface ScrolledResult<T> extends SearchResult<T> {
  scrollId?: string;
  /** On scroll pages: how many matches follow this page. */
  remaining?: number;
}

/** Whether results are in `_id` order alone, so that a scroll can page by keyset (`id > last`). */
const byIdOnly = (query: SearchQuery): boolean => query.sort.length === 0 || (query.sort.length === 1 && query.sort[0]!.field === '_id' && query.sort[0]!.order === 'asc');

/**
 * `from` and `size`, within Kuzzle's bounds.
 * @throws services.storage.get_limit_exceeded beyond `limit` documents (limits.documentsFetchCount)
 */
export function pageOf(options: SearchOptions, defaultSize: number, limit = DOCUMENTS_FETCH_COUNT): { from: number; size: number } {
  const from = options.from ?? 0;
  const size = options.size ?? defaultSize;
  // Without a scroll, Elasticsearch refuses to reach past its result window (from + size).
  if (size > limit || (options.scroll === undefined && from + size > limit)) {
    throw fail('services.storage.get_limit_exceeded');
  }
  return { from, size };
}

/**
 * Searches of users and strategies' credentials, with Kuzzle's paging (from/size) and scrolls.
 * Queries are Elasticsearch's query DSL, the subset search/parse-query.ts reads.
 */
export class SearchService {
  readonly cursors: ScrollCursors;

  /** @param fetchLimit the most documents one search or page returns, and the default size (limits.documentsFetchCount) */
  constructor(private readonly store: SearchStore, settings: SettingsStore, private readonly fetchLimit = DOCUMENTS_FETCH_COUNT) {
    this.cursors = new ScrollCursors(settings);
  }

  /**
   * `from` and `size` for a search that answers `defaultSize` hits (at most the fetch limit) unless told.
   * @throws services.storage.get_limit_exceeded
   */
  page(options: SearchOptions, defaultSize: number): { from: number; size: number } {
    return pageOf(options, Math.min(defaultSize, this.fetchLimit), this.fetchLimit);
  }

  /**
   * security:searchUsers. Without `size`, Kuzzle returns up to the fetch limit (limits.documentsFetchCount) users.
   * @throws services.storage.unsupported_query, services.storage.unknown_field, api.assert.invalid_argument (the query)
   * @throws services.storage.get_limit_exceeded, services.storage.scroll_duration_too_great
   */
  async searchUsers(body: unknown, options: SearchOptions): Promise<ScrolledResult<UserRecord>> {
    const query = parseSearchBody(body);
    const ttl = options.scroll === undefined ? undefined : scrollDuration(options.scroll);
    const { from, size } = this.page(options, this.fetchLimit);
    const result = await this.store.users(query, { from, size });
    if (ttl === undefined) return result;
    const next = this.next({ kind: 'users', body, from, size, ttl }, query, result);
    return { ...result, scrollId: await this.cursors.issue(next) };
  }

  /**
   * security:scrollUsers: the next page of a scrolled search, and the scroll id of the one after.
   * @throws services.storage.unknown_scroll_id for a malformed, forged or expired scroll id
   * @throws services.storage.scroll_duration_too_great
   */
  async scrollUsers(scrollId: string, scroll?: string | number): Promise<ScrolledResult<UserRecord>> {
    const cursor = await this.cursors.open(scrollId, 'users');
    const ttl = scroll === undefined ? cursor.ttl : scrollDuration(scroll);
    const query = parseSearchBody(cursor.body);
    const page: SearchPage = cursor.after === undefined ? { from: cursor.from, size: cursor.size } : { from: 0, size: cursor.size, after: cursor.after };
    const result = await this.store.users(query, page);
    const next = this.next({ ...cursor, ttl }, query, result);
    return { ...result, scrollId: await this.cursors.issue(next), remaining: Math.max(0, result.total - next.from) };
  }

  /**
   * Searches small documents held in memory (profiles, roles): the same query language and
   * paging, Kuzzle's default size (the fetch limit), and a scroll when asked.
   * @throws as searchUsers
   */
  async searchDocuments<T extends { _id: string }>(kind: string, documents: readonly T[], mapping: FlatMapping, body: unknown, options: SearchOptions): Promise<ScrolledResult<T>> {
    const query = parseSearchBody(body);
    const ttl = options.scroll === undefined ? undefined : scrollDuration(options.scroll);
    const page = this.page(options, this.fetchLimit);
    const result = searchDocuments(documents, query, mapping, page);
    if (ttl === undefined) return result;
    return { ...result, scrollId: await this.cursors.issue({ kind, body, from: page.from + result.hits.length, size: page.size, ttl }) };
  }

  /**
   * The next page of a scrolled document search.
   * @throws services.storage.unknown_scroll_id, services.storage.scroll_duration_too_great
   */
  async scrollDocuments<T extends { _id: string }>(kind: string, documents: readonly T[], mapping: FlatMapping, scrollId: string, scroll?: string | number): Promise<ScrolledResult<T>> {
    const cursor = await this.cursors.open(scrollId, kind);
    const ttl = scroll === undefined ? cursor.ttl : scrollDuration(scroll);
    const result = searchDocuments(documents, parseSearchBody(cursor.body), mapping, cursor);
    const from = cursor.from + result.hits.length;
    // issue() sets the new expiry over the old one.
    return { ...result, scrollId: await this.cursors.issue({ ...cursor, from, ttl }), remaining: Math.max(0, result.total - from) };
  }

  /** The cursor of the page after `result`. */
  private next(cursor: Omit<Cursor, 'expiresAt'>, query: SearchQuery, result: SearchResult<UserRecord>): Omit<Cursor, 'expiresAt'> {
    const last = result.hits.at(-1)?._id ?? cursor.after;
    return { ...cursor, from: cursor.from + result.hits.length, ...(byIdOnly(query) && last !== undefined ? { after: last } : {}) };
  }
}

export { DEFAULT_SCROLL_TTL };
