import { expect } from 'chai';
import { parseSetCookie } from 'cookie';
import { authCookie, clearedAuthCookie, cookieToken, type CookieSettings } from '../../src/http/cookies.js';

const STRICT: CookieSettings = { enabled: true, sameSite: 'strict', secure: true };

describe('server/http/cookies', () => {
  describe('#cookieToken', () => {
    it('reads the authToken cookie among others', () => {
      expect(cookieToken({ cookie: 'a=1; authToken=kauth-x.y.z; b=2' }, STRICT)).to.equal('kauth-x.y.z');
    });

    it('gives none without the cookie, for an empty or "null" one, when disabled, and beside an Authorization header', () => {
      expect(cookieToken({}, STRICT)).to.equal(null);
      expect(cookieToken({ cookie: 'other=1' }, STRICT)).to.equal(null);
      expect(cookieToken({ cookie: 'authToken=' }, STRICT)).to.equal(null);
      expect(cookieToken({ cookie: 'authToken=null' }, STRICT)).to.equal(null);
      expect(cookieToken({ cookie: 'authToken=kauth-x' }, { ...STRICT, enabled: false })).to.equal(null);
      expect(cookieToken({ cookie: 'authToken=kauth-x', authorization: 'Bearer kauth-y' }, STRICT)).to.equal(null);
    });
  });

  describe('#authCookie', () => {
    it('is HttpOnly on / with the configured SameSite and Secure, and ends with the token', () => {
      const cookie = parseSetCookie(authCookie('kauth-x', Date.now() + 90_500, STRICT));
      expect(cookie).to.deep.include({ name: 'authToken', value: 'kauth-x', httpOnly: true, path: '/', sameSite: 'strict', secure: true, maxAge: 90 });
      expect(parseSetCookie(authCookie('kauth-x', Date.now() + 1000, { enabled: true, sameSite: 'lax', secure: false }))).to.deep.include({ sameSite: 'lax' }).and.not.have.property('secure');
    });

    it('has no Max-Age for a token that never expires, and never a negative one', () => {
      expect(parseSetCookie(authCookie('kauth-x', -1, STRICT))).to.not.have.property('maxAge');
      expect(parseSetCookie(authCookie('kauth-x', Date.now() - 5000, STRICT)).maxAge).to.equal(0);
    });
  });

  describe('#clearedAuthCookie', () => {
    it('empties the cookie with the same attributes and Max-Age=0', () => {
      expect(parseSetCookie(clearedAuthCookie(STRICT))).to.deep.include({ name: 'authToken', value: '', maxAge: 0, path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
    });
  });
});
