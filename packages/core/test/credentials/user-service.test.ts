import { expect } from 'chai';
import { AsyncResource } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Strategy } from 'passport-strategy';
import {
  createLogger, fail, openStorage, SecurityService, StrategyRegistry, TokenManager, UserService, validateConfig,
  type Storage, type StrategyContext, type StrategyPlugin,
} from '../../src/index.js';
import { refusal } from '../support.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** What the stored plugins' update received, in order. */
const updates: Array<{ kuid: string; change: unknown }> = [];

/** A strategy that keeps `{login}` credentials in the core's store; `failCreate` makes create throw. */
function storedPlugin(context: StrategyContext, options: { failCreate?: boolean; failValidate?: boolean; failDelete?: boolean; prepare?: StrategyPlugin['prepare'] } = {}): StrategyPlugin {
  return {
    ...(options.prepare ? { prepare: options.prepare } : {}),
    name: context.name,
    fields: ['login'],
    createPassportStrategy: () => new (class extends Strategy {})(),
    verify: async () => false,
    exists: async (kuid) => (await context.credentials.findByKuid(kuid)) !== null,
    validate: async (credentials) => {
      if (options.failValidate) throw new Error('not acceptable');
      if (typeof credentials['login'] !== 'string') throw fail('api.assert.missing_argument', 'login');
    },
    create: async (credentials, kuid) => {
      if (options.failCreate) throw fail('security.credentials.rejected', 'the directory said no');
      const result = await context.credentials.insert({ kuid, login: String(credentials['login']), data: {} });
      if (result === 'login_taken') throw fail('security.credentials.login_taken', String(credentials['login']));
      return { login: credentials['login'], kuid };
    },
    update: async (_credentials, kuid, change) => {
      updates.push({ kuid, change });
      return { kuid };
    },
    delete: async (kuid) => {
      await context.credentials.delete(kuid);
      if (options.failDelete) throw fail('security.credentials.rejected', 'the directory keeps it');
    },
  };
}


describe('core/credentials/user-service', () => {
  let dir: string;
  let storage: Storage;
  let users: UserService;
  let tokens: TokenManager;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-users-'));
    storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), createLogger({ level: 'silent' }));
    const security = new SecurityService(storage);
    await security.init();
    tokens = new TokenManager(storage.sessions, storage.settings, { algorithm: 'HS256', expiresIn: '1h', maxTTL: -1, gracePeriod: 0 });
    await tokens.init();
    const registry = new StrategyRegistry({ credentials: storage.credentials, loadUser: (kuid) => storage.users.get(kuid), logger: createLogger({ level: 'silent' }), pluginConfig: {} });
    await registry.register('first', (context) => storedPlugin(context));
    await registry.register('second', (context) => storedPlugin(context));
    await registry.register('broken', (context) => storedPlugin(context, { failCreate: true }));
    await registry.register('picky', (context) => storedPlugin(context, { failValidate: true }));
    await registry.register('sticky', (context) => storedPlugin(context, { failDelete: true }));
    // Bound to this context, outside any transaction: a query that must not wait for one.
    const outside = AsyncResource.bind(() => storage.users.get('nobody'));
    await registry.register('slow', (context) => storedPlugin(context, {
      async prepare(credentials) {
        const answered = await Promise.race([outside().then(() => true), sleep(1000).then(() => false)]);
        credentials['prepared'] = answered;
      },
    }));
    users = new UserService(security, storage.users, registry, tokens, storage);
  });

  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('#create', () => {
    it('creates the user and its credentials in every strategy', async () => {
      await users.create({ kuid: 'ann', content: { profileIds: ['default'] }, credentials: { first: { login: 'ann' }, second: { login: 'ann2' } } });
      expect(await users.strategiesOf('ann')).to.deep.equal(['first', 'second']);
    });

    it('removes the user and the credentials already created when a later strategy fails', async () => {
      const error = await refusal(users.create({ kuid: 'ben', content: { profileIds: ['default'] }, credentials: { first: { login: 'ben' }, broken: { login: 'ben' } } }));
      expect(error.id).to.equal('security.credentials.rejected');
      expect(await storage.users.get('ben')).to.equal(null);
      expect(await storage.credentials.findByLogin('first', 'ben')).to.equal(null);
    });

    it('validates every strategy before creating anything, turning plain errors into security.credentials.rejected', async () => {
      const error = await refusal(users.create({ kuid: 'cat', content: { profileIds: ['default'] }, credentials: { first: { login: 'cat' }, picky: { login: 'cat' } } }));
      expect(error.id).to.equal('security.credentials.rejected');
      expect(error.message).to.include('not acceptable');
      expect(await storage.users.get('cat')).to.equal(null);
    });

    it('refuses unknown strategies, unknown profiles, taken kuids and reserved ids before writing', async () => {
      expect((await refusal(users.create({ kuid: 'dan', content: { profileIds: ['default'] }, credentials: { nope: {} } }))).id).to.equal('security.credentials.unknown_strategy');
      expect((await refusal(users.create({ kuid: 'dan', content: { profileIds: ['ghost'] }, credentials: {} }))).id).to.equal('security.profile.not_found');
      expect((await refusal(users.create({ kuid: 'ann', content: { profileIds: ['default'] }, credentials: { second: { login: 'other' } } }))).id).to.equal('security.credentials.database_inconsistency');
      expect((await refusal(users.create({ kuid: 'ann', content: { profileIds: ['default'] }, credentials: {} }))).id).to.equal('security.user.already_exists');
      expect((await refusal(users.create({ kuid: '_dan', content: { profileIds: ['default'] }, credentials: {} }))).id).to.equal('api.assert.invalid_id');
      expect((await refusal(users.create({ kuid: '-1', content: { profileIds: ['default'] }, credentials: {} }))).id).to.equal('api.assert.invalid_argument');
      expect(await storage.users.get('dan')).to.equal(null);
    });

    it('generates a kuid when none is given', async () => {
      const user = await users.create({ content: { profileIds: ['default'] }, credentials: { first: { login: 'anonymous-signup' } } });
      expect(user._id).to.match(/^kuid-[0-9a-f-]{36}$/);
    });
  });

  describe('#create, with a strategy that prepares', () => {
    it('prepares before the transaction: the database answers other queries meanwhile, and create gets the same object', async () => {
      const given: Record<string, unknown> = { login: 'fay' };
      await users.create({ kuid: 'fay', content: { profileIds: ['default'] }, credentials: { slow: given } });
      expect(given['prepared']).to.equal(true);
      expect(await storage.credentials.findByKuid('slow', 'fay')).to.not.equal(null);
    });
  });

  describe('#createFirstAdmin', () => {
    it('creates exactly one administrator out of many concurrent calls, then refuses with api.process.admin_exists', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => users.createFirstAdmin({
        kuid: `root${i}`, content: { profileIds: ['admin'] }, credentials: { first: { login: `root${i}` } },
      })));
      const created = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(created).to.have.length(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason.id).to.equal('api.process.admin_exists');
      // The losers left nothing behind: neither a user nor credentials.
      for (let i = 0; i < 8; i++) {
        const exists = (await storage.users.get(`root${i}`)) !== null;
        expect(await storage.credentials.findByKuid('first', `root${i}`) !== null).to.equal(exists);
      }
      const late = await refusal(users.createFirstAdmin({ kuid: 'late', content: { profileIds: ['admin'] }, credentials: {} }));
      expect(late.id).to.equal('api.process.admin_exists');
    });
  });

  describe('#delete', () => {
    it('keeps the user and every credential when a strategy fails to delete its own', async () => {
      await users.create({ kuid: 'gus', content: { profileIds: ['default'] }, credentials: { first: { login: 'gus' }, sticky: { login: 'gus' } } });
      expect((await refusal(users.delete('gus'))).id).to.equal('security.credentials.rejected');
      expect(await storage.users.get('gus')).to.not.equal(null);
      expect(await storage.credentials.strategiesOf('gus')).to.deep.equal(['first', 'sticky']);
    });

    it('deletes credentials in every strategy and every session', async () => {
      await users.create({ kuid: 'eve', content: { profileIds: ['default'] }, credentials: { first: { login: 'eve' }, second: { login: 'eve' } } });
      const token = await tokens.create('eve', undefined);
      await users.delete('eve');
      expect(await storage.users.get('eve')).to.equal(null);
      expect(await storage.credentials.strategiesOf('eve')).to.deep.equal([]);
      expect((await refusal(tokens.verify(token.jwt))).id).to.equal('security.token.invalid');
      expect((await refusal(users.delete('eve'))).id).to.equal('security.user.not_found');
    });
  });

  describe('#updateCredentials', () => {
    it('tells the strategy who asks, and ends the sessions of the user but the one it keeps', async () => {
      await users.create({ kuid: 'flo', content: { profileIds: ['default'] }, credentials: { first: { login: 'flo' } } });
      const [kept, other] = [await tokens.createSession('flo', undefined), await tokens.create('flo', undefined)];
      updates.length = 0;
      await users.updateCredentials('first', 'flo', { login: 'flo' }, kept.session.id, { isSelf: true });
      expect(updates).to.deep.equal([{ kuid: 'flo', change: { isSelf: true } }]);
      expect((await tokens.verify(kept.token.jwt)).kuid).to.equal('flo');
      expect((await refusal(tokens.verify(other.jwt))).id).to.equal('security.token.invalid');
      await users.updateCredentials('first', 'flo', { login: 'flo' });
      expect(updates[1]).to.deep.equal({ kuid: 'flo', change: { isSelf: false } });
      expect((await refusal(tokens.verify(kept.token.jwt))).id).to.equal('security.token.invalid');
    });
  });
});
