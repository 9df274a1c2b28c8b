import { expect } from 'chai';
import { LoginTally, loginOutcome } from '../../src/metrics/login-tally.js';

describe('server/metrics/login-tally', () => {
  describe('#loginOutcome', () => {
    it('tells success, refused secrets, limits and other errors apart', () => {
      expect(loginOutcome(null)).to.equal('success');
      expect(loginOutcome('plugin.strategy.missing_user')).to.equal('failure');
      expect(loginOutcome('security.credentials.wrong_password')).to.equal('failure');
      expect(loginOutcome('security.login.too_many_failures')).to.equal('limited');
      expect(loginOutcome('api.process.too_many_logins_requests')).to.equal('limited');
      expect(loginOutcome('services.cache.not_connected')).to.equal('error');
      expect(loginOutcome('api.assert.invalid_type')).to.equal('error');
    });
  });

  describe('LoginTally', () => {
    it('counts logins per strategy and outcome, every outcome listed', () => {
      const tally = new LoginTally();
      tally.record('local', 'success');
      tally.record('local', 'success');
      tally.record('local', 'failure');
      tally.record('ldap', 'limited');
      expect(tally.logins()).to.deep.equal({
        local: { success: 2, failure: 1, limited: 0, error: 0 },
        ldap: { success: 0, failure: 0, limited: 1, error: 0 },
      });
    });

    it('counts the refusals of the three limits and ignores every other error id', () => {
      const tally = new LoginTally();
      for (const id of ['security.login.too_many_failures', 'security.login.too_many_failures', 'api.process.too_many_requests', 'security.rights.forbidden', 'plugin.strategy.missing_user']) tally.refused(id);
      expect(tally.limitsHit()).to.deep.equal({
        'security.login.too_many_failures': 2,
        'api.process.too_many_logins_requests': 0,
        'api.process.too_many_requests': 1,
      });
    });
  });
});
