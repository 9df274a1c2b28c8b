import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { assertSelfEditable, fieldsRefusedToSelf } from '../../src/strategies/self-service.js';
import {
  OPTIONAL_METHODS,
  REQUIRED_METHODS,
  type PassportRequest,
  type StrategyPlugin,
  type VerifyResult,
} from '../../src/strategies/strategy-plugin.js';

type Credentials = Record<string, unknown>;

export interface StrategyConformanceOptions {
  /** Shown in the suite's title. */
  name: string;
  /** A fresh plugin over a fresh store; `cleanup` closes what it opened. */
  makePlugin: () => Promise<{ plugin: StrategyPlugin; cleanup(): Promise<void> }>;
  /** Valid credentials, different at each call (a new username, say). */
  validCredentials(): Credentials;
  /** The arguments `verify` takes after the request, for these credentials: e.g. `[username, password]`. */
  loginArgs(credentials: Credentials): unknown[];
  /** Arguments that must not log in, for these credentials: e.g. a wrong password. */
  wrongLoginArgs(credentials: Credentials): unknown[];
  /** When given, the Passport strategy itself is run on this request and must succeed. */
  passportRequest?(credentials: Credentials): PassportRequest;
  /**
   * When given, what the plugin must declare as `selfEditableFields` (null: no declaration):
   * the fields its users may set about themselves, in writing next to its tests.
   */
  selfEditableFields?: readonly string[] | null;
}

/** Keys and values a description of credentials must never carry (SECURITY.md, "Secrets"). */
const SECRET_KEY = /pass(word)?|hash|secret|salt|pepper|token/i;
const PHC_STRING = /\$(argon2(id|i|d)|2[aby]|scrypt|pbkdf2[-a-z0-9]*)\$/;

/**
 * The shared suite every strategy plugin runs (STYLE.md, lesson 8): the contract's methods,
 * its self-service declaration, a create → exists → getInfo → update → delete round trip,
 * verify's answers, and no secret in anything a client may see.
 */
export function strategyConformance(options: StrategyConformanceOptions): void {
  describe(`strategy conformance: ${options.name}`, () => {
    let plugin: StrategyPlugin;
    let cleanup: () => Promise<void>;
    const request = (body: Credentials = {}): PassportRequest => ({
      method: 'POST', url: `/_login/${plugin.name}`, body, query: {}, headers: {}, ip: '127.0.0.1',
    });
    const createUser = async (credentials = options.validCredentials()): Promise<{ kuid: string; credentials: Credentials; info: unknown }> => {
      const kuid = `kuid-${randomUUID()}`;
      await plugin.validate(credentials, kuid, false);
      return { kuid, credentials, info: await plugin.create(credentials, kuid) };
    };

    beforeEach(async () => {
      ({ plugin, cleanup } = await options.makePlugin());
    });
    afterEach(async () => {
      await plugin.close?.();
      await cleanup();
    });

    it('has a lower-case name and a list of fields', () => {
      expect(plugin.name).to.match(/^[a-z0-9_-]+$/);
      expect(plugin.fields).to.be.an('array');
      for (const field of plugin.fields) expect(field).to.be.a('string');
    });

    it('declares the fields users may set about themselves as a list of strings, or nothing', () => {
      const declared = plugin.selfEditableFields;
      if (declared !== undefined) {
        expect(declared).to.be.an('array');
        for (const field of declared) expect(field).to.be.a('string');
        expect(new Set(declared).size, 'no field twice').to.equal(declared.length);
      }
      if (options.selfEditableFields !== undefined) expect(declared ?? null).to.deep.equal(options.selfEditableFields);
    });

    it('refuses a user\'s own credentials holding a field it keeps for administrators (security.credentials.self_service_forbidden)', () => {
      const credentials = options.validCredentials();
      const refused = fieldsRefusedToSelf(plugin, credentials);
      if (refused.length === 0) return assertSelfEditable(plugin, credentials);
      let error: unknown;
      try {
        assertSelfEditable(plugin, credentials);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.deep.include({ id: 'security.credentials.self_service_forbidden', status: 403 });
      for (const field of refused) expect((error as Error).message).to.include(`"${field}"`);
    });

    it('implements every required method, and optional ones as functions', () => {
      for (const method of REQUIRED_METHODS) expect(plugin[method], method).to.be.a('function');
      for (const method of OPTIONAL_METHODS) if (plugin[method] !== undefined) expect(plugin[method], method).to.be.a('function');
    });

    it('builds a Passport strategy', () => {
      const strategy = plugin.createPassportStrategy(() => undefined);
      expect(strategy).to.be.an('object');
      expect(strategy.authenticate).to.be.a('function');
    });

    it('refuses empty credentials on create with a catalogued 4xx error', async () => {
      const error = await rejectionOf(plugin.validate({}, `kuid-${randomUUID()}`, false));
      expect(error).to.have.property('id').that.is.a('string');
      expect(error).to.have.property('status').within(400, 499);
    });

    it('creates, reports, updates and deletes credentials (round trip)', async () => {
      const { kuid } = await createUser();
      expect(await plugin.exists(kuid)).to.equal(true);
      if (plugin.getInfo) expect(await plugin.getInfo(kuid)).to.be.an('object');
      const changed = options.validCredentials();
      await plugin.validate(changed, kuid, true);
      await plugin.update(changed, kuid);
      expect(await verifyKuid(plugin.verify(request(changed), ...options.loginArgs(changed)))).to.equal(kuid);
      await plugin.delete(kuid);
      expect(await plugin.exists(kuid)).to.equal(false);
      if (plugin.getInfo) expect(await plugin.getInfo(kuid)).to.equal(null);
    });

    it('never describes credentials with a secret-looking key or value', async () => {
      const { kuid, credentials, info } = await createUser();
      const changed = options.validCredentials();
      const described = [info, await plugin.update(changed, kuid)];
      if (plugin.getInfo) described.push(await plugin.getInfo(kuid));
      const secrets = [credentials, changed].flatMap((set) => Object.entries(set).filter(([key]) => SECRET_KEY.test(key)).map(([, value]) => value));
      for (const description of described) assertNoSecret(description, secrets);
    });

    it('verify resolves {kuid} for the right credentials', async () => {
      const { kuid, credentials } = await createUser();
      expect(await plugin.verify(request(credentials), ...options.loginArgs(credentials))).to.deep.include({ kuid });
    });

    it('verify resolves a failure for wrong credentials, and for a deleted user', async () => {
      const { kuid, credentials } = await createUser();
      expect(await verifyKuid(plugin.verify(request(), ...options.wrongLoginArgs(credentials)))).to.equal(null);
      await plugin.delete(kuid);
      expect(await verifyKuid(plugin.verify(request(credentials), ...options.loginArgs(credentials)))).to.equal(null);
    });

    it('refuses to create credentials twice for one user (security.credentials.already_exist)', async () => {
      const { kuid } = await createUser();
      const error = await rejectionOf(plugin.create(options.validCredentials(), kuid));
      expect(error).to.have.property('id', 'security.credentials.already_exist');
    });

    it('refuses to update the credentials of a user who has none (security.credentials.not_found)', async () => {
      const error = await rejectionOf(plugin.update(options.validCredentials(), `kuid-${randomUUID()}`));
      expect(error).to.have.property('id', 'security.credentials.not_found');
    });

    it('logs in through its own Passport strategy', async function () {
      if (!options.passportRequest) this.skip();
      const { kuid, credentials } = await createUser();
      const outcome = await runPassport(plugin, options.passportRequest(credentials));
      expect(outcome).to.include({ kuid });
    });
  });
}

/** Resolves `kuid` on success, `null` on a failure (`false` or `{kuid: null}`). */
async function verifyKuid(result: Promise<VerifyResult>): Promise<string | null> {
  const value = await result;
  return value === false ? null : value.kuid;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function assertNoSecret(description: unknown, secrets: unknown[]): void {
  const text = JSON.stringify(description);
  for (const secret of secrets) if (typeof secret === 'string') expect(text, 'a secret value leaked').not.to.include(secret);
  expect(text).not.to.match(PHC_STRING);
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      expect(key, 'a secret-looking key').not.to.match(SECRET_KEY);
      walk(child);
    }
  };
  walk(description);
}

/**
 * Runs the plugin's Passport strategy the way Passport does (an instance whose success / fail /
 * error are set per request), with a verify callback that forwards to `plugin.verify`.
 */
function runPassport(plugin: StrategyPlugin, request: PassportRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const strategy = plugin.createPassportStrategy((...args: unknown[]) => {
      const done = args.pop() as (error: unknown, user?: unknown, info?: unknown) => void;
      const [req, ...strategyArgs] = args as [PassportRequest, ...unknown[]];
      plugin.verify(req, ...strategyArgs).then(
        (result) => (result && result.kuid ? done(null, result) : done(null, false, result || undefined)),
        (error: unknown) => done(error),
      );
    });
    const attempt = Object.assign(Object.create(strategy) as typeof strategy, {
      success: (user: unknown) => resolve(user),
      fail: (info: unknown) => reject(new Error(`Passport failed: ${JSON.stringify(info)}`)),
      error: (error: unknown) => reject(error),
      redirect: (url: string) => reject(new Error(`unexpected redirect to ${url}`)),
      pass: () => reject(new Error('unexpected pass')),
    });
    attempt.authenticate(request as never, {});
  });
}
