import { expect } from 'chai';
import { ERRORS } from '@portcullis/core';
import { COUNTED_STATUSES, countAnswer, RequestTally, slotLabel, statusSlot, UNROUTED } from '../../src/metrics/request-tally.js';

describe('server/metrics/request-tally', () => {
  describe('#statusSlot', () => {
    it('gives every status of the error catalogue, 200 and the redirections a slot of its own', () => {
      const statuses = [200, 302, ...Object.values(ERRORS).map((error) => error.status)];
      for (const status of statuses) expect(slotLabel(statusSlot(status)), String(status)).to.equal(String(status));
      expect(new Set(COUNTED_STATUSES.map(statusSlot)).size).to.equal(COUNTED_STATUSES.length);
    });

    it('puts any other status, out-of-range ones included, in the "other" slot', () => {
      for (const status of [0, 418, 599, 600, 1000, -1]) expect(slotLabel(statusSlot(status)), String(status)).to.equal('other');
    });
  });

  describe('RequestTally', () => {
    it('counts answers per action and status and lists only what is not zero', () => {
      const tally = new RequestTally();
      const login = tally.track('auth', 'login');
      const me = tally.track('auth', 'getCurrentUser');
      for (const status of [200, 200, 401, 429, 200]) countAnswer(login, status);
      countAnswer(me, 418);
      countAnswer(tally.unrouted, 404);
      expect(tally.series()).to.have.deep.members([
        { controller: UNROUTED, action: UNROUTED, status: '404', count: 1 },
        { controller: 'auth', action: 'login', status: '200', count: 3 },
        { controller: 'auth', action: 'login', status: '401', count: 1 },
        { controller: 'auth', action: 'login', status: '429', count: 1 },
        { controller: 'auth', action: 'getCurrentUser', status: 'other', count: 1 },
      ]);
    });

    it('lists nothing before the first answer', () => {
      const tally = new RequestTally();
      tally.track('server', 'now');
      expect(tally.series()).to.deep.equal([]);
    });
  });
});
