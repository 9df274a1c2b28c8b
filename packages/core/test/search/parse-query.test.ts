import { expect } from 'chai';
import { prefixUpperBound } from '../../src/search/compile.js';
import { analyze, coerce, indexedValues } from '../../src/search/field-values.js';
import { flatten, mergeMappings, parseMappingBody } from '../../src/search/mapping.js';
import { minimumShouldMatch, parseSearchBody } from '../../src/search/parse-query.js';
import { isPortcullisError } from '../../src/errors/index.js';

const refusal = (run: () => unknown): { id: string; props: unknown[] } => {
  try {
    run();
  } catch (error) {
    if (isPortcullisError(error)) return { id: error.id, props: error.props };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('core/search/parse-query', () => {
  it('reads ES shorthand and long forms into one tree', () => {
    expect(parseSearchBody({ query: { term: { a: { value: 1 } } } }).query).to.deep.equal({ kind: 'term', field: 'a', values: [1] });
    expect(parseSearchBody({ query: { terms: { a: ['x'], boost: 2 } } }).query).to.deep.equal({ kind: 'term', field: 'a', values: ['x'] });
    expect(parseSearchBody({ query: { match: { a: { query: 'x y', operator: 'AND' } } } }).query).to.deep.equal({ kind: 'match', field: 'a', query: 'x y', operator: 'and' });
    expect(parseSearchBody({ sort: ['a', { b: 'desc' }, { c: { order: 'desc' } }] }).sort).to.deep.equal([
      { field: 'a', order: 'asc' }, { field: 'b', order: 'desc' }, { field: 'c', order: 'desc' },
    ]);
    expect(parseSearchBody(undefined).query).to.deep.equal({ kind: 'all' });
  });

  it('names the unsupported clause, wherever it is', () => {
    expect(refusal(() => parseSearchBody({ query: { bool: { filter: [{ match_all: {} }, { regexp: { a: '.*' } }] } } }))).to.deep.include({
      id: 'services.storage.unsupported_query', props: ['query.bool.filter.1.regexp', 'match_all, ids, term, terms, match, prefix, range, exists, bool'],
    });
    expect(refusal(() => parseSearchBody({ query: {}, highlight: {} })).props[0]).to.equal('highlight');
  });

  it('bounds the number of clauses', () => {
    const deep = { bool: { should: Array.from({ length: 300 }, () => ({ match_all: {} })) } };
    expect(refusal(() => parseSearchBody({ query: deep })).id).to.equal('api.assert.invalid_argument');
  });

  it('computes minimum_should_match as Elasticsearch does', () => {
    expect(minimumShouldMatch(undefined, 3, 1)).to.equal(1);
    expect(minimumShouldMatch(2, 3, 0)).to.equal(2);
    expect(minimumShouldMatch(-1, 3, 0)).to.equal(2);
    expect(minimumShouldMatch('75%', 3, 0)).to.equal(2);
    expect(minimumShouldMatch('-25%', 4, 0)).to.equal(3);
    expect(minimumShouldMatch(9, 3, 0)).to.equal(3);
  });
});

describe('core/search/compile#prefixUpperBound', () => {
  it('is the least string above every string with the prefix, in code point order', () => {
    expect(prefixUpperBound('ab')).to.equal('ac');
    expect(prefixUpperBound('a\u{d7ff}')).to.equal('a\u{e000}');
    expect(prefixUpperBound('a\u{10ffff}')).to.equal('b');
    expect(prefixUpperBound('\u{10ffff}')).to.equal(null);
    expect(prefixUpperBound('')).to.equal(null);
  });
});

describe('core/search/field-values', () => {
  it('coerces values as Elasticsearch does for each type', () => {
    expect(coerce('integer', '42.9')).to.equal(42);
    expect(coerce('double', 'x')).to.equal(null);
    expect(coerce('boolean', 'true')).to.equal('true');
    expect(coerce('date', '2024-01-02')).to.equal(Date.UTC(2024, 0, 2));
    expect(coerce('date', 'yesterday')).to.equal(null);
    expect(coerce('keyword', { a: 1 })).to.equal(null);
    expect(analyze('Élan, élan-vital 42')).to.deep.equal(['élan', 'vital', '42']);
  });

  it('indexes every mapped value, arrays and nested objects included, and skips what is too long', () => {
    const mapping = flatten({ tags: { type: 'keyword' }, a: { properties: { b: { type: 'integer' } } } });
    const rows = indexedValues({ profileIds: ['x'], tags: ['p', 'q', 'p', 'z'.repeat(600)], a: [{ b: 1 }, { b: '2' }, { b: 'no' }] }, mapping);
    expect(rows).to.deep.equal([
      { field: 'tags', text: 'p', number: null }, { field: 'tags', text: 'q', number: null },
      { field: 'a.b', text: null, number: 1 }, { field: 'a.b', text: null, number: 2 },
    ]);
  });
});

describe('core/search/mapping', () => {
  it('merges new fields and refuses a changed type', () => {
    const merged = mergeMappings({ a: { type: 'keyword' } }, { b: { properties: { c: { type: 'date' } } } });
    expect(flatten(merged)).to.deep.equal(new Map([['a', 'keyword'], ['b.c', 'date']]));
    expect(refusal(() => mergeMappings(merged, { b: { properties: { c: { type: 'long' } } } }))).to.deep.include({ id: 'services.storage.cannot_change_mapping', props: ['b.c'] });
  });

  it('refuses unknown types and properties, naming their place', () => {
    expect(refusal(() => parseMappingBody({ properties: { a: { type: 'geo_point' } } })).id).to.equal('services.storage.invalid_mapping');
    expect(refusal(() => parseMappingBody({ properties: { 'a.b': { type: 'keyword' } } })).id).to.equal('services.storage.invalid_mapping');
    expect(refusal(() => parseMappingBody({ mappings: {} })).id).to.equal('services.storage.invalid_mapping');
  });
});
