import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERRORS, PortcullisError, renderErrorsMarkdown, type ErrorId } from '../../src/index.js';

describe('core/errors/catalogue', () => {
  it('is what docs/errors.md says, both ways', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc, 'run npm run docs:errors').to.equal(renderErrorsMarkdown());
    const documented = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).to.deep.equal(Object.keys(ERRORS).sort());
  });

  it('gives every error a distinct code and ids of the form domain.subdomain.name', () => {
    const codes = Object.values(ERRORS).map((definition) => definition.code);
    expect(new Set(codes).size).to.equal(codes.length);
    for (const id of Object.keys(ERRORS)) expect(id).to.match(/^[a-z]+\.[a-z]+\.[a-z_]+$/);
  });

  it('keeps Kuzzle\'s codes for the ids clients switch on', () => {
    expect(ERRORS['security.token.invalid'].code).to.equal(117506049);
    expect(ERRORS['security.token.expired'].code).to.equal(117506054);
    expect(ERRORS['security.rights.unauthorized'].code).to.equal(117637121);
    expect(ERRORS['security.rights.forbidden'].code).to.equal(117637122);
    expect(ERRORS['plugin.strategy.missing_user'].code).to.equal(67305492);
    expect(ERRORS['plugin.runtime.unexpected_error'].code).to.equal(67239938);
  });

  it('formats messages from props and serializes without extra fields', () => {
    const error = new PortcullisError('security.rights.forbidden' satisfies ErrorId, ['auth', 'logout', 'bob']);
    expect(error.message).to.equal('Insufficient permissions to execute the action "auth:logout" (User "bob").');
    expect(error.toJSON()).to.deep.equal({ id: 'security.rights.forbidden', code: 117637122, message: error.message, props: ['auth', 'logout', 'bob'], status: 403 });
    expect(error.toJSON(true)).to.have.property('stack');
  });

  it('strips control characters from the props a message quotes', () => {
    const error = new PortcullisError('plugin.strategy.strategy_not_found', ['lo\u0007cal\u001b[2J\u202e\r\n']);
    expect(error.props).to.deep.equal(['local[2J']);
    expect(error.message).to.equal('Strategy "local[2J" not found.');
  });
});
