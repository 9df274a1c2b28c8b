import { expect } from 'chai';
import { HashGate, PasswordHasher, OWASP_ARGON2_MINIMUM } from '../src/index.js';
import { FAST_ARGON2, phcParameters, testWorkers } from './helpers/argon2.js';

const gate = (): HashGate => new HashGate({ maxConcurrent: 2, maxQueued: 10 });

describe('strategy-local/password-hasher', () => {
  describe('#hash', () => {
    it('makes an argon2id PHC string with OWASP parameters by default (m=19456, t=2, p=1)', async () => {
      const hash = await new PasswordHasher(OWASP_ARGON2_MINIMUM, gate(), testWorkers()).hash('correct horse battery staple');
      expect(hash).to.match(/^\$argon2id\$v=19\$/);
      expect(phcParameters(hash)).to.deep.equal({ m: 19_456, t: 2, p: 1 });
    });

    it('salts every hash', async () => {
      const hasher = new PasswordHasher(FAST_ARGON2, gate(), testWorkers());
      expect(await hasher.hash('same password')).not.to.equal(await hasher.hash('same password'));
    });
  });

  describe('#verify', () => {
    it('tells the right password from a wrong one, case included', async () => {
      const hasher = new PasswordHasher(FAST_ARGON2, gate(), testWorkers());
      const hash = await hasher.hash('Correct Horse');
      expect(await hasher.verify(hash, 'Correct Horse')).to.equal(true);
      expect(await hasher.verify(hash, 'correct horse')).to.equal(false);
      expect(await hasher.verify(hash, 'Correct Horse ')).to.equal(false);
    });
  });

  describe('#verifyDummy', () => {
    it('checks against a hash made with the current parameters and always fails', async () => {
      const hasher = new PasswordHasher(OWASP_ARGON2_MINIMUM, gate(), testWorkers());
      expect(phcParameters(await hasher.dummyHash())).to.deep.equal({ m: 19_456, t: 2, p: 1 });
      expect(await hasher.verifyDummy('anything')).to.equal(false);
      expect(await hasher.dummyHash()).to.equal(await hasher.dummyHash());
    });
  });

  describe('#needsRehash', () => {
    it('asks for a re-hash of a hash made with older parameters or another argon2 variant', async () => {
      const current = new PasswordHasher(FAST_ARGON2, gate(), testWorkers());
      const older = new PasswordHasher({ ...FAST_ARGON2, timeCost: FAST_ARGON2.timeCost + 1 }, gate(), testWorkers());
      expect(current.needsRehash(await current.hash('pw'))).to.equal(false);
      expect(current.needsRehash(await older.hash('pw'))).to.equal(true);
      expect(current.needsRehash('$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaA')).to.equal(true);
    });
  });

  it('sends every hash through the gate', async () => {
    const tight = new HashGate({ maxConcurrent: 1, maxQueued: 0 });
    const hasher = new PasswordHasher(FAST_ARGON2, tight, testWorkers());
    const results = await Promise.allSettled([hasher.hash('a'), hasher.hash('b')]);
    expect(results.map((result) => result.status)).to.deep.equal(['fulfilled', 'rejected']);
  });
});
