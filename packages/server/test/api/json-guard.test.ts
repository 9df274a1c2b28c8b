import { expect } from 'chai';
import { isPortcullisError } from '@portcullis/core';
import { echo, headerSafe, inspectJson, parseGuardedJson } from '../../src/api/json-guard.js';

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

function thrown(run: () => unknown): { id: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isPortcullisError(error)) return error;
    throw error;
  }
  throw new Error('expected a catalogued error');
}

describe('server/api/json-guard', () => {
  describe('#inspectJson', () => {
    it('counts the top-level object or array as one level', () => {
      expect(inspectJson(nested(3), 3)).to.equal(null);
      expect(inspectJson(nested(4), 3)).to.equal('too_deep');
      expect(inspectJson({ a: { b: [1] } }, 3)).to.equal(null);
      expect(inspectJson({ a: { b: [[1]] } }, 3)).to.equal('too_deep');
      expect(inspectJson('scalar', 0)).to.equal(null);
    });

    it('finds NUL in values and keys, at any place', () => {
      expect(inspectJson({ a: ['x', 'y\u0000'] }, 32)).to.equal('nul');
      expect(inspectJson({ 'k\u0000': 1 }, 32)).to.equal('nul');
      expect(inspectJson({ a: '\\u0000 spelt out is not a NUL' }, 32)).to.equal(null);
    });

    it('stops at the limit on values far deeper than the stack', () => {
      expect(inspectJson(nested(200_000), 32)).to.equal('too_deep');
    });
  });

  describe('#parseGuardedJson', () => {
    it('refuses too deep with the given id, and reports NUL without throwing', () => {
      expect(thrown(() => parseGuardedJson('[[[1]]]', 2, 'network.http.body_parse_failed')).id).to.equal('network.http.body_parse_failed');
      expect(parseGuardedJson('{"a":"\\u0000"}', 2, 'network.http.body_parse_failed')).to.deep.equal({ value: { a: '\u0000' }, nul: true });
    });

    it('never quotes the input of a syntax error', () => {
      const error = thrown(() => parseGuardedJson(Buffer.from('{"password":"hunter2-secret" x}'), 32, 'network.http.body_parse_failed'));
      expect(error.message).to.not.include('hunter2');
      const token = thrown(() => parseGuardedJson('hunter2-secret', 32, 'network.websocket.unexpected_error'));
      expect(token.message).to.not.include('hunter2');
    });
  });

  describe('#echo', () => {
    it('returns clean short values as they are', () => {
      const id = '6f1c2a4e-1b2c-4d5e-8f90-123456789abc';
      expect(echo(id)).to.equal(id);
    });

    it('removes control, line and bidi characters, and cuts long values', () => {
      expect(echo('a\u0000b\u001b[31m\u202ec\u2028d\u0085')).to.equal('ab[31mcd');
      const long = echo('x'.repeat(10_000));
      expect(long.length).to.equal(128);
      expect(long.endsWith('…')).to.equal(true);
    });
  });

  it('#headerSafe accepts printable ASCII only', () => {
    expect(headerSafe('abc-123')).to.equal(true);
    expect(headerSafe('é')).to.equal(false);
    expect(headerSafe('a\tb')).to.equal(false);
  });
});
