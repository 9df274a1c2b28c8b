import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Strategy } from 'passport-strategy';
import {
  bindingsNamespace, createLogger, credentialFingerprint, openStorage, StrategyRegistry, validateConfig,
  type PassportRequest, type PassportVerify, type Storage, type StrategyContext, type StrategyFactory, type StrategyPlugin, type VerifyResult,
} from '../../src/index.js';
import { refusal } from '../support.js';

/** A Passport strategy whose outcome the request body chooses: the adapter must handle each one. */
class ScriptedStrategy extends Strategy {
  override name = 'scripted';
  constructor(private readonly verify: PassportVerify) {
    super();
  }
  override authenticate(req: PassportRequest): void {
    const outcome = req.body['outcome'];
    if (outcome === 'redirect') return this.redirect('https://idp.example.test/authorize?state=1');
    if (outcome === 'fail') return this.fail({ message: 'scripted failure' }, 401);
    if (outcome === 'error') return this.error(new Error('directory exploded'));
    this.verify(req, req.body['kuid'], (error: unknown, user: unknown, info: unknown) => {
      if (error) return this.error(error as Error);
      if (!user) return this.fail(info as { message: string }, 401);
      this.success(user as object, info as object);
    });
  }
}

function scriptedPlugin(name: string, verifyImpl?: (kuid: unknown) => Promise<VerifyResult>): StrategyPlugin {
  return {
    name,
    fields: ['kuid'],
    createPassportStrategy: (verify) => new ScriptedStrategy(verify),
    verify: (_req: PassportRequest, kuid: unknown) => (verifyImpl ? verifyImpl(kuid) : Promise.resolve(typeof kuid === 'string' ? { kuid } : { kuid: null, message: 'who?' })),
    exists: async () => false,
    validate: async () => undefined,
    create: async () => ({}),
    update: async () => ({}),
    delete: async () => undefined,
  };
}

const request = (body: Record<string, unknown>): PassportRequest => ({ method: 'POST', url: '/login', body, query: {}, headers: {}, ip: '127.0.0.1' });


describe('core/strategies/strategy-registry', () => {
  let dir: string;
  let storage: Storage;
  let registry: StrategyRegistry;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-registry-'));
    storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), createLogger({ level: 'silent' }));
    await storage.users.insert({ _id: 'alice', content: { profileIds: ['default'] } });
  });

  beforeEach(() => {
    registry = new StrategyRegistry({ credentials: storage.credentials, loadUser: (kuid) => storage.users.get(kuid), logger: createLogger({ level: 'silent' }), pluginConfig: {} });
  });

  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('#register', () => {
    it('refuses invalid plugins with an error naming them', async () => {
      const cases: Array<[string, StrategyFactory, string]> = [
        ['Bad Name', () => scriptedPlugin('Bad Name'), 'plugin.strategy.invalid_description'],
        ['liar', () => scriptedPlugin('other'), 'plugin.strategy.invalid_description'],
        ['nomethod', () => ({ ...scriptedPlugin('nomethod'), exists: undefined }) as unknown as StrategyPlugin, 'plugin.strategy.invalid_method'],
        ['nofields', () => ({ ...scriptedPlugin('nofields'), fields: 'kuid' }) as unknown as StrategyPlugin, 'plugin.strategy.invalid_description'],
        ['badself', () => ({ ...scriptedPlugin('badself'), selfEditableFields: 'kuid' }) as unknown as StrategyPlugin, 'plugin.strategy.invalid_description'],
        ['badselfitem', () => ({ ...scriptedPlugin('badselfitem'), selfEditableFields: ['kuid', 7] }) as unknown as StrategyPlugin, 'plugin.strategy.invalid_description'],
        ['nopassport', () => ({ ...scriptedPlugin('nopassport'), createPassportStrategy: () => ({}) }) as unknown as StrategyPlugin, 'plugin.strategy.invalid_authenticator'],
        ['nothing', (() => null) as unknown as StrategyFactory, 'plugin.strategy.invalid_description'],
      ];
      for (const [name, factory, id] of cases) {
        const error = await refusal(registry.register(name, factory));
        expect(error.id, name).to.equal(id);
        expect(error.message, name).to.include(name === 'Bad Name' ? 'Bad Name' : name);
        expect(registry.has(name)).to.equal(false);
      }
    });

    it('refuses a second strategy of the same name, and adds and removes strategies at run time', async () => {
      await registry.register('scripted', () => scriptedPlugin('scripted'));
      expect((await refusal(registry.register('scripted', () => scriptedPlugin('scripted')))).id).to.equal('plugin.strategy.strategy_already_registered');
      expect(registry.names()).to.deep.equal(['scripted']);
      await registry.unregister('scripted');
      expect((await refusal(registry.login('scripted', request({ kuid: 'alice' })))).id).to.equal('security.credentials.unknown_strategy');
      expect((await refusal(registry.unregister('scripted'))).id).to.equal('plugin.strategy.unauthorized_removal');
    });

    it('hands the factory its config namespace and a credentials store scoped to its name', async () => {
      const scoped = new StrategyRegistry({ credentials: storage.credentials, loadUser: (kuid) => storage.users.get(kuid), logger: createLogger({ level: 'silent' }), pluginConfig: { scripted: { answer: 42 } } });
      let seen: unknown;
      await scoped.register('scripted', async (context) => {
        seen = context.config;
        await context.credentials.insert({ kuid: 'alice', login: 'alice-login', data: {} });
        return scriptedPlugin('scripted');
      });
      expect(seen).to.deep.equal({ answer: 42 });
      expect(await storage.credentials.findByLogin('scripted', 'alice-login')).to.include({ strategy: 'scripted', kuid: 'alice' });
    });

    it('hands the factory a bindings store in a namespace no strategy can be named, one record per user and per login', async () => {
      await registry.register('scripted', async (context) => {
        expect(await context.bindings!.insert({ kuid: 'alice', login: 'entry-1', data: {} })).to.equal('created');
        expect(await context.bindings!.insert({ kuid: 'bob', login: 'entry-1', data: {} })).to.equal('login_taken');
        expect(await context.bindings!.insert({ kuid: 'alice', login: 'entry-2', data: {} })).to.equal('kuid_taken');
        return scriptedPlugin('scripted');
      });
      expect(bindingsNamespace('scripted')).to.equal('scripted:binding');
      expect(await storage.credentials.findByLogin('scripted:binding', 'entry-1')).to.include({ kuid: 'alice' });
      expect(await storage.credentials.findByLogin('scripted', 'entry-1')).to.equal(null);
      expect((await refusal(registry.register('scripted:binding', () => scriptedPlugin('scripted:binding')))).id).to.equal('plugin.strategy.invalid_description');
    });

    it('accepts a plugin declaring the fields users may set about themselves', async () => {
      const plugin = await registry.register('selfish', () => ({ ...scriptedPlugin('selfish'), selfEditableFields: ['password', 'currentPassword'] }));
      expect(plugin.selfEditableFields).to.deep.equal(['password', 'currentPassword']);
    });
  });

  describe('#stillVerified', () => {
    const record = { kuid: 'alice', login: 'alice-login', data: { secret: 'one' } };
    beforeEach(async () => {
      await storage.credentials.delete('checked', 'alice');
      await storage.credentials.insert({ ...record, strategy: 'checked' });
      await registry.register('checked', () => scriptedPlugin('checked', async (kuid) => ({ kuid: String(kuid), fingerprint: credentialFingerprint(record) })));
    });

    it('hands the fingerprint verify returned on to the login outcome', async () => {
      const outcome = await registry.login('checked', request({ kuid: 'alice' }));
      expect(outcome).to.deep.include({ type: 'user', fingerprint: credentialFingerprint(record) });
    });

    it('is true while the record verify checked is unchanged, false once it changed or went', async () => {
      const outcome = await registry.login('checked', request({ kuid: 'alice' }));
      if (outcome.type !== 'user') throw new Error('expected a user');
      expect(await registry.stillVerified('checked', outcome)).to.equal(true);
      await storage.credentials.update({ ...record, strategy: 'checked', data: { secret: 'two' } });
      expect(await registry.stillVerified('checked', outcome)).to.equal(false);
      await storage.credentials.delete('checked', 'alice');
      expect(await registry.stillVerified('checked', outcome)).to.equal(false);
    });

    it('is true for a strategy that gave no fingerprint, without reading anything', async () => {
      expect(await registry.stillVerified('nothing-stored', { user: { _id: 'nobody', content: { profileIds: [] } } })).to.equal(true);
    });
  });

  describe('#login', () => {
    beforeEach(() => registry.register('scripted', () => scriptedPlugin('scripted')));

    it('turns success into the user', async () => {
      const outcome = await registry.login('scripted', request({ kuid: 'alice' }));
      expect(outcome).to.deep.equal({ type: 'user', user: { _id: 'alice', content: { profileIds: ['default'] } } });
    });

    it('turns fail into plugin.strategy.missing_user with the strategy\'s message', async () => {
      const error = await refusal(registry.login('scripted', request({ outcome: 'fail' })));
      expect(error).to.include({ id: 'plugin.strategy.missing_user', status: 401, message: 'scripted failure' });
      expect((await refusal(registry.login('scripted', request({ kuid: 42 })))).message).to.equal('who?');
    });

    it('turns error into a catalogued 500 that hides the cause', async () => {
      const error = await refusal(registry.login('scripted', request({ outcome: 'error' })));
      expect(error.id).to.equal('plugin.runtime.unexpected_error');
      expect(error.message).to.not.include('exploded');
    });

    it('turns redirect into a 302 with Location', async () => {
      const outcome = await registry.login('scripted', request({ outcome: 'redirect' }));
      expect(outcome).to.deep.equal({ type: 'redirect', statusCode: 302, headers: { Location: 'https://idp.example.test/authorize?state=1' } });
    });

    it('checks what verify resolves to', async () => {
      const cases: Array<[() => Promise<VerifyResult>, string]> = [
        [() => 'alice' as unknown as Promise<VerifyResult>, 'plugin.strategy.invalid_verify_return'],
        [() => Promise.resolve('alice' as unknown as VerifyResult), 'plugin.strategy.invalid_verify_resolve'],
        [() => Promise.resolve({ kuid: 7 } as unknown as VerifyResult), 'plugin.strategy.invalid_kuid'],
        [() => Promise.resolve({ kuid: 'ghost' }), 'plugin.strategy.unknown_kuid'],
        [() => Promise.resolve(false as VerifyResult), 'plugin.strategy.missing_user'],
      ];
      for (const [impl, id] of cases) {
        const name = `v${cases.findIndex((entry) => entry[1] === id)}`;
        await registry.register(name, () => scriptedPlugin(name, impl));
        expect((await refusal(registry.login(name, request({ kuid: 'alice' })))).id).to.equal(id);
      }
    });
  });

  describe('context.users', () => {
    it('hands every plugin a users facet that forwards to the implementation bound later', async () => {
      let context: StrategyContext | undefined;
      await registry.register('provisioner', (given) => {
        context = given;
        return scriptedPlugin('provisioner');
      });
      expect(context?.users).to.be.an('object');
      expect((await refusal(context!.users!.get('alice'))).id).to.equal('core.fatal.service_unavailable');
      const calls: unknown[][] = [];
      const record = { _id: 'alice', content: { profileIds: ['default'] } };
      registry.bindUsers({
        get: async (kuid) => (calls.push(['get', kuid]), record),
        create: async (user) => (calls.push(['create', user]), record),
        update: async (kuid, changes) => (calls.push(['update', kuid, changes]), record),
      });
      await context!.users!.get('alice');
      await context!.users!.create({ content: { profileIds: ['default'] }, credentials: { provisioner: { kuid: 'alice' } } });
      await context!.users!.update('alice', { profileIds: ['admin'] });
      expect(calls.map((call) => call[0])).to.deep.equal(['get', 'create', 'update']);
      expect(Object.isFrozen(context!.users)).to.equal(true);
    });
  });
});
