import { expect } from 'chai';
import { allActions } from '../../src/controllers/index.js';
import { Router } from '../../src/http/router.js';

describe('server/http/router', () => {
  const router = new Router(allActions());
  const match = (verb: string, path: string) => {
    const found = router.match(verb, path);
    return found && { action: `${found.definition.controller}:${found.definition.action}`, params: found.params };
  };

  it('lets routes name one placeholder differently, as Kuzzle\'s /users/:_id and /users/:userId/api-keys', () => {
    expect(match('GET', '/users/alice')).to.deep.equal({ action: 'security:getUser', params: { _id: 'alice' } });
    expect(match('POST', '/users/alice/api-keys/_create')).to.deep.equal({ action: 'security:createApiKey', params: { userId: 'alice' } });
    expect(match('DELETE', '/users/al%20ice/api-keys/k1')).to.deep.equal({ action: 'security:deleteApiKey', params: { userId: 'al ice', _id: 'k1' } });
  });

  it('prefers a literal segment and never backtracks to a placeholder', () => {
    expect(match('GET', '/users/_me')).to.deep.include({ action: 'auth:getCurrentUser' });
    expect(match('POST', '/api-keys/_search')).to.deep.include({ action: 'auth:searchApiKeys' });
    expect(match('DELETE', '/api-keys/k1')).to.deep.equal({ action: 'auth:deleteApiKey', params: { _id: 'k1' } });
    expect(match('GET', '/profiles/a/b')).to.equal(null);
  });
});
