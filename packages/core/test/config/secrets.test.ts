import { expect } from 'chai';
import { z } from 'zod';
import { configSchema, redactConfig, secret, secretUrl, validateConfig } from '../../src/index.js';

describe('core/config/secrets', () => {
  describe('#redactConfig', () => {
    it('leaves out the secrets of the node config and strips credentials from its URLs', () => {
      const config = validateConfig({
        database: { url: 'postgres://app:db-password-1@db.example.com:5432/auth?sslpassword=x' },
        redis: { url: 'redis://:redis-password-2@cache.example.com:6379/0' },
        security: { jwt: { secret: 'jwt-secret-0123456789-0123456789-0123' }, admin: { username: 'root', password: 'admin-password-3' } },
      });
      const shown = redactConfig(configSchema, config) as Record<string, Record<string, unknown>>;
      const text = JSON.stringify(shown);
      for (const value of ['db-password-1', 'redis-password-2', 'jwt-secret-0123456789', 'admin-password-3', 'sslpassword']) expect(text).to.not.include(value);
      expect(shown['database']!['url']).to.equal('postgres://db.example.com:5432/auth');
      expect(shown['redis']!['url']).to.equal('redis://cache.example.com:6379/0');
      expect(shown).to.have.nested.property('security.admin.username', 'root');
      expect(shown).to.have.nested.property('security.jwt.algorithm', 'HS256');
      expect(shown).to.have.nested.property('server.port', 7512);
    });

    it('finds secrets inside nested objects, arrays, unions and optional fields', () => {
      const schema = z.strictObject({
        nested: z.strictObject({ token: secret(z.string()).optional(), keep: z.number() }).prefault({}),
        list: z.array(z.strictObject({ name: z.string(), key: secret(z.string()) })),
        urls: secretUrl(z.union([z.string(), z.array(z.string())])),
        either: z.union([z.strictObject({ password: secret(z.string()) }), z.string()]),
      });
      const shown = redactConfig(schema, {
        nested: { token: 't-secret', keep: 1 },
        list: [{ name: 'a', key: 'k-secret' }],
        urls: ['ldap://u:p-secret@h', 'ldaps://h2'],
        either: { password: 'p2-secret' },
      });
      expect(shown).to.deep.equal({ nested: { keep: 1 }, list: [{ name: 'a' }], urls: ['ldap://h', 'ldaps://h2'], either: {} });
    });

    it('leaves out what the schema does not describe: unknown keys and opaque values', () => {
      const schema = z.object({ known: z.string(), anything: z.unknown(), bag: z.record(z.string(), z.unknown()) });
      expect(redactConfig(schema, { known: 'k', anything: 'maybe-a-secret', bag: { password: 'x' }, extra: 'y' })).to.deep.equal({ known: 'k', bag: {} });
    });
  });
});
