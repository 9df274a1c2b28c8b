import { expect } from 'chai';
import { localStrategyConfigSchema, parseLocalStrategyConfig, isBelowOwaspMinimum } from '../src/index.js';
import { expectPortcullisError } from './helpers/errors.js';

describe('strategy-local/config', () => {
  describe('#parseLocalStrategyConfig', () => {
    it('gives OWASP argon2id parameters and the SECURITY.md bounds when the namespace is absent', () => {
      const config = parseLocalStrategyConfig(undefined, 'local');
      expect(config).to.deep.equal({
        argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
        minPasswordLength: 8,
        maxPasswordLength: 128,
        maxUsernameLength: 255,
        maxConcurrentHashes: 2,
        hashPriority: 10,
        maxQueuedHashes: 100,
        maxQueuedHashesPerAddress: 10,
        requirePassword: true,
      });
    });

    it('keeps given values and defaults the others', () => {
      const config = parseLocalStrategyConfig({ argon2: { timeCost: 3 }, maxQueuedHashes: 0 }, 'local');
      expect(config.argon2).to.deep.equal({ memoryCost: 19_456, timeCost: 3, parallelism: 1 });
      expect(config.maxQueuedHashes).to.equal(0);
    });

    it('freezes the result', () => {
      const config = parseLocalStrategyConfig({}, 'local');
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.argon2)).to.equal(true);
    });

    it('names the invalid key in a plugin.strategy.invalid_description error', () => {
      const error = expectPortcullisError(() => parseLocalStrategyConfig({ argon2: { timeCost: 0 } }, 'local'), 'plugin.strategy.invalid_description');
      expect(error.message).to.include('plugins.local.argon2.timeCost');
    });

    it('refuses an unknown key rather than ignoring a typo', () => {
      const error = expectPortcullisError(() => parseLocalStrategyConfig({ maxPasswordLenght: 200 }, 'local'), 'plugin.strategy.invalid_description');
      expect(error.message).to.include('plugins.local.maxPasswordLenght');
    });

    it('refuses a maximum password length under 64 characters', () => {
      const error = expectPortcullisError(() => parseLocalStrategyConfig({ maxPasswordLength: 32 }, 'local'), 'plugin.strategy.invalid_description');
      expect(error.message).to.include('plugins.local.maxPasswordLength');
    });

    it('refuses a minimum password length above 64, so that it never exceeds the maximum', () => {
      expect(parseLocalStrategyConfig({ minPasswordLength: 64, maxPasswordLength: 64 }, 'local').minPasswordLength).to.equal(64);
      const error = expectPortcullisError(() => parseLocalStrategyConfig({ minPasswordLength: 65 }, 'local'), 'plugin.strategy.invalid_description');
      expect(error.message).to.include('plugins.local.minPasswordLength');
    });

    it('names the strategy it was registered under', () => {
      const error = expectPortcullisError(() => parseLocalStrategyConfig('nope', 'staff'), 'plugin.strategy.invalid_description');
      expect(error.props[0]).to.equal('staff');
    });
  });

  describe('localStrategyConfigSchema', () => {
    it('describes every field', () => {
      const shape = localStrategyConfigSchema.shape;
      for (const [key, field] of Object.entries(shape)) expect(field.description, key).to.be.a('string').and.not.be.empty;
      for (const [key, field] of Object.entries(shape.argon2.unwrap().shape)) expect(field.description, key).to.be.a('string').and.not.be.empty;
    });
  });

  describe('#isBelowOwaspMinimum', () => {
    it('accepts OWASP pairs and flags cheaper ones', () => {
      expect(isBelowOwaspMinimum({ memoryCost: 19_456, timeCost: 2, parallelism: 1 })).to.equal(false);
      expect(isBelowOwaspMinimum({ memoryCost: 7168, timeCost: 5, parallelism: 1 })).to.equal(false);
      expect(isBelowOwaspMinimum({ memoryCost: 8192, timeCost: 1, parallelism: 1 })).to.equal(true);
    });
  });
});
