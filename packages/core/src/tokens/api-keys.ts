import { createHash, randomUUID } from 'node:crypto';
import { fail } from '../errors/index.js';
import type { FieldType, FlatMapping } from '../search/mapping.js';
import type { ApiKeyRecord, ApiKeyStore } from '../storage/ports.js';
import type { TokenManager } from './token-manager.js';

export interface ApiKeySettings {
  /** Longest lifetime of a key created through the auth controller, in ms (-1: none), as Kuzzle's security.apiKey.maxTTL. */
  maxTTL: number;
  /** Most keys one user may hold at once. */
  maxPerUser: number;
}

/** An API key as Kuzzle answers it: `{_id, _source: {userId, description, expiresAt, ttl}}`; `token` only at creation. */
export interface ApiKeyView {
  _id: string;
  _source: { userId: string; description: string; expiresAt: number; ttl: number; token?: string };
}

/** What an API-key search may name: Kuzzle's api-keys mapping, less the fingerprint. */
export const API_KEY_FIELDS: FlatMapping = new Map<string, FieldType>([
  ['userId', 'keyword'], ['description', 'text'], ['expiresAt', 'long'], ['ttl', 'long'],
]);

/** The searchable form of a key (see API_KEY_FIELDS). */
export type ApiKeyDocument = { _id: string; userId: string; description: string; expiresAt: number; ttl: number };

/** A hash of a key: what is stored of it, so that nothing read back from the database can authenticate. */
export function apiKeyFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Kuzzle's API keys: `kapikey-` tokens whose sessions live in the session store like login
 * tokens (so a check is as fast, and a deletion reaches every node and every bound socket at
 * once), described by a record in the database that never holds the key. Logouts and
 * security:revokeTokens end login tokens only: a key ends with its deletion, its user's, or
 * its expiry.
 */
export class ApiKeyService {
  constructor(
    private readonly tokens: TokenManager,
    private readonly store: ApiKeyStore,
    private readonly settings: ApiKeySettings,
  ) {}

  /**
   * Creates a key for `userId` and returns it, with its token: the one time the token is shown.
   * @param capped whether `security.apiKey.maxTTL` applies (auth:createApiKey; security:createApiKey is not capped, as in Kuzzle)
   * @throws api.assert.invalid_argument, security.token.ttl_exceeded (expiresIn)
   * @throws services.storage.document_already_exists when the user has a key with this id
   * @throws security.apikey.limit_exceeded when the user holds security.apiKey.maxPerUser keys
   * @throws security.user.not_found
   */
  async create(userId: string, description: string, options: { expiresIn?: unknown; id?: string | undefined; capped: boolean }): Promise<ApiKeyView> {
    const { token, session } = await this.tokens.createSession(userId, options.expiresIn ?? -1, 'kapikey', { maxTTL: options.capped ? this.settings.maxTTL : -1 });
    const record: ApiKeyRecord = {
      id: options.id ?? randomUUID(), userId, description, expiresAt: token.expiresAt, ttl: token.ttl,
      createdAt: Date.now(), sessionId: session.id, fingerprint: apiKeyFingerprint(token.jwt),
    };
    let outcome: Awaited<ReturnType<ApiKeyStore['insert']>>;
    try {
      outcome = await this.store.insert(record, this.settings.maxPerUser, record.createdAt);
    } catch (error) {
      await this.tokens.revoke(session.id).catch(() => undefined);
      throw error;
    }
    if (outcome !== 'created') {
      // The key was never shown: its session goes.
      await this.tokens.revoke(session.id);
      if (outcome === 'id_taken') throw fail('services.storage.document_already_exists');
      if (outcome === 'limit') throw fail('security.apikey.limit_exceeded', String(this.settings.maxPerUser));
      throw fail('security.user.not_found', userId);
    }
    return { _id: record.id, _source: { ...documentOf(record), token: token.jwt } };
  }

  /** The user's keys that have not expired, in the form a search reads (see API_KEY_FIELDS). */
  async documents(userId: string): Promise<ApiKeyDocument[]> {
    const keys = await this.store.listByUser(userId, Date.now());
    return keys.map((key) => ({ _id: key.id, ...documentOf(key) }));
  }

  /**
   * Deletes a key of the user: its session first (a key listed but dead is harmless, the
   * reverse is not), which refuses it at once on every node and tells the sockets bound to it.
   * @throws services.storage.not_found when the user has no key with this id
   */
  async delete(userId: string, id: string): Promise<{ _id: string }> {
    const key = await this.store.get(userId, id);
    if (!key) throw fail('services.storage.not_found', id, 'api-keys');
    await this.tokens.revoke(key.sessionId);
    await this.store.delete(userId, id);
    return { _id: id };
  }
}

function documentOf(key: ApiKeyRecord): Omit<ApiKeyDocument, '_id'> {
  return { userId: key.userId, description: key.description, expiresAt: key.expiresAt, ttl: key.ttl };
}

/** A search hit in Kuzzle's shape. */
export function apiKeyView({ _id, ...source }: ApiKeyDocument): ApiKeyView {
  return { _id, _source: source };
}
