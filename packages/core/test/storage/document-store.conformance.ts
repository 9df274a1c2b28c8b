import { expect } from 'chai';
import type { DocumentStore } from '../../src/storage/ports.js';
import type { StoreFactory, StoreFixture } from './fixtures.js';

/**
 * The contract every DocumentStore keeps, for any document type: `sample(id, variant)` builds
 * a document whose fields change with `variant`.
 */
export function documentStoreConformance<T extends { _id: string }>(
  name: string,
  factory: StoreFactory<DocumentStore<T>>,
  sample: (id: string, variant: number) => T,
): void {
  describe(`DocumentStore<${name}>`, () => {
    let fixture: StoreFixture<DocumentStore<T>>;
    let documents: DocumentStore<T>;
    beforeEach(async () => {
      fixture = await factory();
      documents = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('returns null for a document that does not exist', async () => {
      expect(await documents.get('missing')).to.equal(null);
    });

    it('returns a document as it was put', async () => {
      await documents.put(sample('first', 1));
      expect(await documents.get('first')).to.deep.equal(sample('first', 1));
    });

    it('replaces a document put twice', async () => {
      await documents.put(sample('first', 1));
      await documents.put(sample('first', 2));
      expect(await documents.get('first')).to.deep.equal(sample('first', 2));
      expect(await documents.list()).to.have.length(1);
    });

    it('lists every document, ordered by id', async () => {
      expect(await documents.list()).to.deep.equal([]);
      await documents.put(sample('b', 2));
      await documents.put(sample('a', 1));
      expect(await documents.list()).to.deep.equal([sample('a', 1), sample('b', 2)]);
    });

    it('deletes a document once', async () => {
      await documents.put(sample('first', 1));
      expect(await documents.delete('first')).to.equal(true);
      expect(await documents.get('first')).to.equal(null);
      expect(await documents.delete('first')).to.equal(false);
    });
  });
}
