import { expect } from 'chai';
import type { SettingsStore } from '../../src/storage/ports.js';
import type { StoreFactory, StoreFixture } from './fixtures.js';

/** The contract every SettingsStore keeps. */
export function settingsStoreConformance(factory: StoreFactory<SettingsStore>): void {
  describe('SettingsStore', () => {
    let fixture: StoreFixture<SettingsStore>;
    let settings: SettingsStore;
    beforeEach(async () => {
      fixture = await factory();
      settings = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('returns null for a key never set', async () => {
      expect(await settings.get('jwt.secret')).to.equal(null);
    });

    it('stores a value when the key is absent and returns it', async () => {
      expect(await settings.setIfAbsent('jwt.secret', 'first')).to.equal('first');
      expect(await settings.get('jwt.secret')).to.equal('first');
    });

    it('keeps the first value and returns it to later writers', async () => {
      await settings.setIfAbsent('jwt.secret', 'first');
      expect(await settings.setIfAbsent('jwt.secret', 'second')).to.equal('first');
      expect(await settings.get('jwt.secret')).to.equal('first');
    });

    it('gives every concurrent writer the same, single winner', async () => {
      const candidates = Array.from({ length: 20 }, (_, index) => `value-${index}`);
      const results = await Promise.all(candidates.map((value) => settings.setIfAbsent('race', value)));
      const stored = await settings.get('race');
      expect(candidates).to.include(stored);
      expect(results).to.deep.equal(candidates.map(() => stored));
    });

    it('keeps keys apart', async () => {
      await settings.setIfAbsent('a', '1');
      await settings.setIfAbsent('b', '2');
      expect([await settings.get('a'), await settings.get('b')]).to.deep.equal(['1', '2']);
    });
  });
}
