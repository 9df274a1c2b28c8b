import { expect } from 'chai';
import { cookieOriginAllowed, credentialedOrigin } from '../../src/api/cookie-auth.js';

const LISTED = 'https://app.example.test';

describe('server/api/cookie-auth', () => {
  describe('#cookieOriginAllowed', () => {
    it('allows requests without Origin, listed origins and the server\'s own', () => {
      expect(cookieOriginAllowed({ host: 'api.example.test' }, [LISTED])).to.equal(true);
      expect(cookieOriginAllowed({ origin: LISTED, host: 'api.example.test' }, [LISTED])).to.equal(true);
      expect(cookieOriginAllowed({ origin: 'https://api.example.test:8443', host: 'api.example.test:8443' }, ['*'])).to.equal(true);
    });

    it('refuses any other origin, whatever "*" allows', () => {
      expect(cookieOriginAllowed({ origin: 'https://evil.example.test', host: 'api.example.test' }, ['*', LISTED])).to.equal(false);
      expect(cookieOriginAllowed({ origin: 'https://api.example.test:8443', host: 'api.example.test' }, ['*'])).to.equal(false);
      expect(cookieOriginAllowed({ origin: 'null', host: 'api.example.test' }, ['*'])).to.equal(false);
      expect(cookieOriginAllowed({ origin: `${LISTED}.evil.test`, host: 'api.example.test' }, [LISTED])).to.equal(false);
      expect(cookieOriginAllowed({ origin: 'https://api.example.test' }, ['*'])).to.equal(false);
    });
  });

  describe('#credentialedOrigin', () => {
    it('allows credentials to origins listed exactly, never through "*"', () => {
      expect(credentialedOrigin(LISTED, [LISTED])).to.equal(true);
      expect(credentialedOrigin(LISTED, ['*'])).to.equal(false);
      expect(credentialedOrigin('*', ['*'])).to.equal(false);
    });
  });
});
