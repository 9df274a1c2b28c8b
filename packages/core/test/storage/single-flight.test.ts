import { expect } from 'chai';
import { SingleFlight } from '../../src/storage/single-flight.js';

/** A read that answers when the test says so, counting how often it was started. */
function gate<V>() {
  let open!: (value: V) => void;
  let fail!: (error: Error) => void;
  let started = 0;
  const read = () => {
    started++;
    return new Promise<V>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
  };
  return { read, open: (value: V) => open(value), fail: (error: Error) => fail(error), started: () => started };
}

describe('core/storage/single-flight', () => {
  it('shares one read among concurrent callers of the same key and ticket', async () => {
    const reads = new SingleFlight<string, string>();
    const { read, open, started } = gate<string>();
    const answers = Promise.all([reads.run('a', 0, read), reads.run('a', 0, read), reads.run('a', 0, read)]);
    expect(started()).to.equal(1);
    open('alice');
    expect(await answers).to.deep.equal(['alice', 'alice', 'alice']);
    expect(reads.size).to.equal(0);
  });

  it('starts a new read for a caller whose ticket differs (the cache was invalidated meanwhile)', async () => {
    const reads = new SingleFlight<string, string>();
    const before = gate<string>();
    const after = gate<string>();
    const old = reads.run('a', 0, before.read);
    const fresh = reads.run('a', 1, after.read);
    expect([before.started(), after.started()]).to.deep.equal([1, 1]);
    // The later read lands first; the older one must not remove it from the table.
    after.open('new');
    expect(await fresh).to.equal('new');
    before.open('old');
    expect(await old).to.equal('old');
    expect(reads.size).to.equal(0);
  });

  it('reads again once the previous read settled, and keeps separate keys apart', async () => {
    const reads = new SingleFlight<string, number>();
    let count = 0;
    const read = async () => ++count;
    expect(await Promise.all([reads.run('a', 0, read), reads.run('b', 0, read)])).to.deep.equal([1, 2]);
    expect(await reads.run('a', 0, read)).to.equal(3);
  });

  it('hands a failed read to every caller that shared it, then forgets it', async () => {
    const reads = new SingleFlight<string, string>();
    const { read, fail, started } = gate<string>();
    const answers = [reads.run('a', 0, read), reads.run('a', 0, read)].map((promise) => promise.catch((error: Error) => error.message));
    fail(new Error('store down'));
    expect(await Promise.all(answers)).to.deep.equal(['store down', 'store down']);
    expect(started()).to.equal(1);
    expect(reads.size).to.equal(0);
  });
});
