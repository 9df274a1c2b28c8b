import { expect } from 'chai';
import { createLogger, type CacheStats } from '@portcullis/core';
import { countAnswer } from '../../src/metrics/request-tally.js';
import { NodeMetrics } from '../../src/metrics/node-metrics.js';
import { PluginGauges } from '../../src/metrics/plugin-gauges.js';
import { parseExposition, sampleValue } from '../../../../test/support/prometheus-text.js';

/** A NodeMetrics over figures the test sets: the counting is what is under test, not the stores. */
function nodeMetrics(figures: { live: number | Error; users: CacheStats; rights: CacheStats; sessions?: CacheStats }) {
  const plugins = new PluginGauges();
  const metrics = new NodeMetrics({
    security: { cacheStats: () => ({ users: figures.users, rights: figures.rights }) },
    sessions: {
      countLive: async () => {
        if (figures.live instanceof Error) throw figures.live;
        return figures.live;
      },
      cacheStats: () => figures.sessions,
    },
    plugins,
    logger: createLogger({ level: 'silent' }),
  });
  return { metrics, plugins };
}

describe('server/metrics/prometheus', () => {
  it('exposes every figure with its type, labels and value', async () => {
    const { metrics, plugins } = nodeMetrics({ live: 12, users: { hits: 3, misses: 1 }, rights: { hits: 0, misses: 0 }, sessions: { hits: 1, misses: 1 } });
    const login = metrics.requests.track('auth', 'login');
    countAnswer(login, 200);
    countAnswer(login, 401);
    countAnswer(login, 401);
    metrics.logins.record('local', 'failure');
    metrics.logins.refused('api.process.too_many_requests');
    plugins.of('local').gauge({ name: 'hash_queue_depth', help: 'waiting', read: () => 5 });
    metrics.observeTransports({ websockets: () => 2, connections: async () => 5 });
    const text = parseExposition(await metrics.exposition());
    expect(text.types).to.include({
      portcullis_requests_total: 'counter', portcullis_logins_total: 'counter', portcullis_limits_hit_total: 'counter',
      portcullis_cache_hits_total: 'counter', portcullis_cache_misses_total: 'counter', portcullis_cache_hit_ratio: 'gauge',
      portcullis_websockets_open: 'gauge', portcullis_http_connections_open: 'gauge', portcullis_sessions_active: 'gauge',
      portcullis_requests_in_flight: 'gauge', portcullis_strategy_hash_queue_depth: 'gauge',
    });
    expect(sampleValue(text, 'portcullis_requests_total', { controller: 'auth', action: 'login', status: '401' })).to.equal(2);
    expect(sampleValue(text, 'portcullis_requests_total', { controller: 'auth', action: 'login', status: '200' })).to.equal(1);
    expect(sampleValue(text, 'portcullis_logins_total', { strategy: 'local', outcome: 'failure' })).to.equal(1);
    expect(sampleValue(text, 'portcullis_logins_total', { strategy: 'local', outcome: 'success' })).to.equal(0);
    expect(sampleValue(text, 'portcullis_limits_hit_total', { id: 'api.process.too_many_requests' })).to.equal(1);
    expect(sampleValue(text, 'portcullis_limits_hit_total', { id: 'security.login.too_many_failures' })).to.equal(0);
    expect(sampleValue(text, 'portcullis_strategy_hash_queue_depth', { strategy: 'local' })).to.equal(5);
    expect(sampleValue(text, 'portcullis_websockets_open')).to.equal(2);
    expect(sampleValue(text, 'portcullis_http_connections_open')).to.equal(3);
    expect(sampleValue(text, 'portcullis_sessions_active')).to.equal(12);
    expect(sampleValue(text, 'portcullis_cache_hits_total', { cache: 'users' })).to.equal(3);
    expect(sampleValue(text, 'portcullis_cache_misses_total', { cache: 'users' })).to.equal(1);
    expect(sampleValue(text, 'portcullis_cache_hit_ratio', { cache: 'users' })).to.equal(0.75);
    expect(sampleValue(text, 'portcullis_cache_hit_ratio', { cache: 'sessions' })).to.equal(0.5);
    // No lookup yet: no ratio to tell.
    expect(sampleValue(text, 'portcullis_cache_hit_ratio', { cache: 'rights' })).to.equal(undefined);
  });

  it('follows the counters from one scrape to the next', async () => {
    const { metrics } = nodeMetrics({ live: 0, users: { hits: 0, misses: 0 }, rights: { hits: 0, misses: 0 } });
    const now = metrics.requests.track('server', 'now');
    countAnswer(now, 200);
    const first = sampleValue(parseExposition(await metrics.exposition()), 'portcullis_requests_total', { controller: 'server', action: 'now', status: '200' });
    countAnswer(now, 200);
    countAnswer(now, 200);
    const second = sampleValue(parseExposition(await metrics.exposition()), 'portcullis_requests_total', { controller: 'server', action: 'now', status: '200' });
    expect([first, second]).to.deep.equal([1, 3]);
  });

  it('answers NaN active sessions while the session store is down, and still exposes the rest', async () => {
    const { metrics } = nodeMetrics({ live: new Error('down'), users: { hits: 1, misses: 0 }, rights: { hits: 0, misses: 0 } });
    const text = parseExposition(await metrics.exposition());
    expect(sampleValue(text, 'portcullis_sessions_active')).to.be.NaN;
    expect(sampleValue(text, 'portcullis_cache_hits_total', { cache: 'users' })).to.equal(1);
    expect((await metrics.snapshot()).portcullis.sessions).to.deep.equal({ active: null });
  });

  it('keeps one registry per node: two nodes in one process count apart', async () => {
    const a = nodeMetrics({ live: 1, users: { hits: 0, misses: 0 }, rights: { hits: 0, misses: 0 } }).metrics;
    const b = nodeMetrics({ live: 2, users: { hits: 0, misses: 0 }, rights: { hits: 0, misses: 0 } }).metrics;
    countAnswer(a.requests.track('server', 'now'), 200);
    b.requests.track('server', 'now');
    const [textA, textB] = [parseExposition(await a.exposition()), parseExposition(await b.exposition())];
    expect(sampleValue(textA, 'portcullis_requests_total', { action: 'now' })).to.equal(1);
    expect(sampleValue(textB, 'portcullis_requests_total', { action: 'now' })).to.equal(undefined);
    expect([sampleValue(textA, 'portcullis_sessions_active'), sampleValue(textB, 'portcullis_sessions_active')]).to.deep.equal([1, 2]);
  });
});
