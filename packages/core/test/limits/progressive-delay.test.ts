import { expect } from 'chai';
import { delayAfter, mostPermissiveRateLimit, retryAfterSeconds } from '../../src/index.js';

describe('core/limits/progressive-delay', () => {
  describe('delayAfter', () => {
    const policy = { freeFailures: 5, delay: 1, maxDelay: 900 };

    it('asks no wait before freeFailures consecutive failures', () => {
      for (let failures = 0; failures < 5; failures++) expect(delayAfter(failures, policy)).to.equal(0);
    });

    it('waits `delay` after the freeFailures-th failure, then doubles with each further one', () => {
      expect([5, 6, 7, 8, 9].map((failures) => delayAfter(failures, policy))).to.deep.equal([1, 2, 4, 8, 16]);
    });

    it('never waits longer than maxDelay, however many failures', () => {
      expect(delayAfter(15, policy)).to.equal(900);
      expect(delayAfter(1_000_000, policy)).to.equal(900);
    });
  });

  describe('retryAfterSeconds', () => {
    it('rounds up to whole seconds, at least one', () => {
      expect([0, 1, 999, 1000, 1001, 59_500].map(retryAfterSeconds)).to.deep.equal([1, 1, 1, 1, 2, 60]);
    });
  });
});

describe('core/limits/rate-limit', () => {
  describe('mostPermissiveRateLimit', () => {
    it('takes the most permissive of the profiles\' limits', () => {
      expect(mostPermissiveRateLimit([{ rateLimit: 2 }, { rateLimit: 10 }, { rateLimit: 5 }])).to.equal(10);
    });

    it('makes a user unlimited (0) when one profile sets no limit, as Kuzzle does', () => {
      expect(mostPermissiveRateLimit([{ rateLimit: 2 }, {}])).to.equal(0);
      expect(mostPermissiveRateLimit([{ rateLimit: 0 }, { rateLimit: 50 }])).to.equal(0);
    });

    it('leaves a user without profiles unlimited', () => {
      expect(mostPermissiveRateLimit([])).to.equal(0);
    });
  });
});
