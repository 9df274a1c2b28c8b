import { createHash, timingSafeEqual } from 'node:crypto';
import { Strategy } from 'passport-strategy';
import { z } from 'zod';
import {
  assertLoginFree,
  credentialFingerprint,
  deleteCredentials,
  fail,
  insertCredentials,
  updateCredentials,
  type CredentialInfo,
  type PassportRequest,
  type PassportVerify,
  type StrategyContext,
  type StrategyFactory,
  type StrategyPlugin,
  type VerifyResult,
} from '@portcullis/core';

/**
 * A passport-custom-like Passport strategy: it hands the whole request to the verify callback.
 * Passport runs `authenticate` on an object made with Object.create(strategy): keep state in
 * ordinary properties, not in #private fields.
 */
class CustomStrategy extends Strategy {
  constructor(private readonly verifyRequest: PassportVerify) {
    super();
  }

  override authenticate(req: PassportRequest): void {
    this.verifyRequest(req, (error: unknown, user?: unknown, info?: unknown) => {
      if (error) return this.error(error as Error);
      if (!user) return this.fail(info, 401);
      return this.success(user, info);
    });
  }
}

/** The `plugins.<name>` namespace of the config, validated by the plugin itself. */
const configSchema = z.strictObject({
  minSecretLength: z.number().int().min(32).max(1024).default(32),
});

const FIELDS = ['deviceId', 'secret'] as const;
const WRONG_CREDENTIALS = 'wrong device id or secret';

/** A long random secret needs no slow hash; a password chosen by a person does (see strategy-local). */
const digestOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/**
 * Devices log in with `{deviceId, secret}`: the secret is long and random, given by whoever
 * registers the device. Only a SHA-256 digest of it is stored.
 */
export const createDeviceStrategy: StrategyFactory = (context: StrategyContext): StrategyPlugin => {
  const { name, credentials, logger } = context;
  const parsed = configSchema.safeParse(context.config ?? {});
  if (!parsed.success) throw fail('plugin.strategy.invalid_description', name, `invalid configuration: ${parsed.error.message}`);
  const { minSecretLength } = parsed.data;

  /** @throws api.assert.* and security.credentials.rejected, all 400 */
  function readCredentials(input: Record<string, unknown>, partial: boolean): { deviceId?: string; secret?: string } {
    for (const key of Object.keys(input)) {
      if (!(FIELDS as readonly string[]).includes(key)) throw fail('api.assert.unexpected_argument', key, FIELDS.join(', '));
    }
    const { deviceId, secret } = input;
    if (deviceId === undefined && !partial) throw fail('api.assert.missing_argument', 'deviceId');
    if (secret === undefined && !partial) throw fail('api.assert.missing_argument', 'secret');
    if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId.length === 0)) throw fail('api.assert.invalid_type', 'deviceId', 'non-empty string');
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < minSecretLength)) {
      throw fail('security.credentials.rejected', `the secret must be a string of at least ${minSecretLength} characters`);
    }
    if (partial && deviceId === undefined && secret === undefined) throw fail('api.assert.missing_argument', 'deviceId or secret');
    return { ...(deviceId === undefined ? {} : { deviceId: deviceId as string }), ...(secret === undefined ? {} : { secret: secret as string }) };
  }

  const describe = (record: { kuid: string; login: string } | null): CredentialInfo | null =>
    record && { deviceId: record.login, kuid: record.kuid };

  return {
    name,
    fields: FIELDS,
    // A device's owner may rotate its secret; which device it is belongs to whoever registered it.
    selfEditableFields: ['secret'],

    createPassportStrategy: (verify) => new CustomStrategy(verify),

    async verify(request: PassportRequest): Promise<VerifyResult> {
      const { deviceId, secret } = request.body;
      if (typeof deviceId !== 'string' || typeof secret !== 'string') return { kuid: null, message: WRONG_CREDENTIALS };
      const record = await credentials.findByLogin(deviceId);
      const stored = typeof record?.data['digest'] === 'string' ? Buffer.from(record.data['digest'], 'hex') : null;
      if (!record || !stored || !timingSafeEqual(stored, digestOf(secret))) return { kuid: null, message: WRONG_CREDENTIALS };
      // What was checked: a secret changed before the session opens makes the core refuse the login.
      return { kuid: record.kuid, fingerprint: credentialFingerprint(record) };
    },

    async exists(kuid) {
      return (await credentials.findByKuid(kuid)) !== null;
    },

    async validate(input, kuid, isUpdate) {
      const { deviceId } = readCredentials(input, isUpdate);
      if (deviceId !== undefined) await assertLoginFree(credentials, deviceId, kuid);
    },

    async create(input, kuid) {
      const { deviceId, secret } = readCredentials(input, false) as { deviceId: string; secret: string };
      await insertCredentials(credentials, name, { kuid, login: deviceId, data: { digest: digestOf(secret).toString('hex') } });
      logger.info({ kuid, deviceId }, 'device registered');
      return { deviceId, kuid };
    },

    async update(input, kuid) {
      const changes = readCredentials(input, true);
      const current = await credentials.findByKuid(kuid);
      if (!current) throw fail('security.credentials.not_found', kuid, name);
      const login = changes.deviceId ?? current.login;
      const data = changes.secret === undefined ? current.data : { digest: digestOf(changes.secret).toString('hex') };
      await updateCredentials(credentials, name, { kuid, login, data });
      return { deviceId: login, kuid };
    },

    async delete(kuid) {
      await deleteCredentials(credentials, name, kuid);
    },

    getInfo: async (kuid) => describe(await credentials.findByKuid(kuid)),
    getById: async (deviceId) => describe(await credentials.findByLogin(deviceId)),
  };
};
