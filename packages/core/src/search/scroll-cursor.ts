import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import ms from 'ms';
import { z } from 'zod';
import { fail } from '../errors/index.js';
import type { SettingsStore } from '../storage/ports.js';

/** Kuzzle's defaults (services.storageEngine.defaults.scrollTTL and maxScrollDuration). */
export const DEFAULT_SCROLL_TTL = '15s';
export const MAX_SCROLL_DURATION = 60_000;

/** The settings row holding the key scroll ids are signed with, shared by every node. */
const KEY_SETTING = 'search:scrollKey';

/** Where a scroll stands: what it searches, the next page, and until when it may go on. */
export const cursorSchema = z.object({
  /** What is scrolled: "users", "profiles", or "credentials:<strategy>". */
  kind: z.string(),
  body: z.unknown(),
  from: z.number().int().min(0),
  size: z.number().int().min(0),
  /** Keyset paging when sorted by `_id` alone: the last id returned. */
  after: z.string().optional(),
  ttl: z.number().int().positive(),
  expiresAt: z.number().int(),
});
export type Cursor = z.infer<typeof cursorSchema>;

/**
 * A scroll duration in ms.
 * @throws services.storage.scroll_duration_too_great when it is no duration or exceeds MAX_SCROLL_DURATION
 */
export function scrollDuration(scroll: string | number): number {
  const duration = typeof scroll === 'number' ? scroll : ms(scroll as ms.StringValue);
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0 || duration > MAX_SCROLL_DURATION) {
    throw fail('services.storage.scroll_duration_too_great', String(scroll));
  }
  return duration;
}

/**
 * Scroll ids as stateless, signed cursors: any node of a cluster can continue a scroll (they
 * share the signing key through the database), and nothing is kept per scroll. A cursor holds
 * its search and position, and its expiry; the HMAC makes it unforgeable, so a client cannot
 * move a scroll elsewhere nor extend it past its expiry. A scroll is not a snapshot: users
 * written meanwhile may show or shift pages, as with from/size paging.
 */
export class ScrollCursors {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly settings: SettingsStore, private readonly now: () => number = Date.now) {}

  private signingKey(): Promise<Buffer> {
    this.key ??= this.settings.setIfAbsent(KEY_SETTING, randomBytes(32).toString('base64url'))
      .then((value) => Buffer.from(value, 'base64url'))
      .catch((error: unknown) => {
        this.key = undefined;
        throw error;
      });
    return this.key;
  }

  /** A scroll id for `cursor` (its expiry is set from its ttl, from now). */
  async issue(cursor: Omit<Cursor, 'expiresAt'>): Promise<string> {
    const payload = Buffer.from(JSON.stringify({ ...cursor, expiresAt: this.now() + cursor.ttl })).toString('base64url');
    return `${payload}.${createHmac('sha256', await this.signingKey()).update(payload).digest('base64url')}`;
  }

  /**
   * The cursor a scroll id holds.
   * @throws services.storage.unknown_scroll_id when it is malformed, forged, of another kind, or expired
   */
  async open(scrollId: string, kind: string): Promise<Cursor> {
    const [payload, signature, extra] = scrollId.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) throw fail('services.storage.unknown_scroll_id');
    const expected = createHmac('sha256', await this.signingKey()).update(payload).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail('services.storage.unknown_scroll_id');
    let parsed: ReturnType<typeof cursorSchema.safeParse>;
    try {
      parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      throw fail('services.storage.unknown_scroll_id');
    }
    if (!parsed.success || parsed.data.kind !== kind || parsed.data.expiresAt < this.now()) throw fail('services.storage.unknown_scroll_id');
    return parsed.data;
  }
}
