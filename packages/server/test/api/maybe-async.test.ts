import { expect } from 'chai';
import { andThen, isPromise } from '../../src/api/maybe-async.js';

describe('server/api/maybe-async', () => {
  it('calls next at once on a plain value, and returns its result as is', () => {
    const seen: number[] = [];
    const result = andThen(2, (value) => {
      seen.push(value);
      return value * 10;
    });
    expect(seen).to.deep.equal([2]);
    expect(isPromise(result)).to.equal(false);
    expect(result).to.equal(20);
  });

  it('waits for a promise, and returns a promise of next\'s result', async () => {
    const result = andThen(Promise.resolve(3), (value) => value + 1);
    expect(isPromise(result)).to.equal(true);
    expect(await result).to.equal(4);
  });

  it('chains a plain value into an asynchronous next', async () => {
    const result = andThen(1, async (value) => value + 1);
    expect(isPromise(result)).to.equal(true);
    expect(await result).to.equal(2);
  });

  it('lets a synchronous throw out as a throw, and a rejection as a rejection', async () => {
    expect(() => andThen(1, () => { throw new Error('now'); })).to.throw('now');
    const rejected = andThen(Promise.resolve(1), () => { throw new Error('later'); });
    expect(isPromise(rejected)).to.equal(true);
    let caught: unknown;
    await (rejected as Promise<unknown>).catch((error: unknown) => (caught = error));
    expect((caught as Error).message).to.equal('later');
  });
});
