import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, WsClient } from '../support/clients.js';
import { ADMIN, createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { basic, metricsOf, scrape, scraped } from '../support/metrics.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { sampleValue } from '../support/prometheus-text.js';

const PASSWORD = 'scrape-password-1';
const JWT_SECRET = 'a-jwt-secret-that-must-never-be-seen-0123456789';

/** Every metric the node exposes, with its type (docs/operators.md lists the same). */
const METRICS: Record<string, string> = {
  portcullis_requests_total: 'counter', portcullis_requests_in_flight: 'gauge', portcullis_logins_total: 'counter',
  portcullis_limits_hit_total: 'counter', portcullis_websockets_open: 'gauge', portcullis_http_connections_open: 'gauge',
  portcullis_sessions_active: 'gauge', portcullis_cache_hits_total: 'counter', portcullis_cache_misses_total: 'counter',
  portcullis_cache_hit_ratio: 'gauge', portcullis_strategy_hash_queue_depth: 'gauge', portcullis_strategy_hash_running: 'gauge',
};

for (const mode of MODES) {
  describe(`e2e: server:prometheus (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;
    let http: HttpClient;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { security: { jwt: { secret: JWT_SECRET } }, plugins: { local: { maxConcurrentHashes: 1 } } });
      http = new HttpClient(node.url);
      admin = await firstAdmin(http);
      await createUser(http, admin, 'carol', 'carol', PASSWORD);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    it('answers Prometheus\' text format, with a bearer token or HTTP Basic credentials', async () => {
      for (const authorization of [`Bearer ${admin}`, basic(ADMIN.username, ADMIN.password)]) {
        const answer = await scrape(node.url, authorization);
        expect(answer.status).to.equal(200);
        expect(answer.type).to.match(/^text\/plain; version=0\.0\.4(;|$)/);
        expect(answer.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(answer.text).to.match(/^# HELP portcullis_/);
      }
    });

    it('refuses anonymous scrapes and wrong Basic credentials with an error envelope and a Basic challenge', async () => {
      const anonymous = await scrape(node.url);
      expect(anonymous.status).to.equal(401);
      expect(anonymous.type).to.match(/^application\/json/);
      expect(anonymous.headers.get('www-authenticate')).to.match(/^Basic realm="Portcullis"/);
      expect((JSON.parse(anonymous.text) as { error: { id: string } }).error.id).to.equal('security.rights.unauthorized');
      const wrong = await scrape(node.url, basic(ADMIN.username, 'not-the-password'));
      expect(wrong.status).to.equal(401);
      expect((JSON.parse(wrong.text) as { error: { id: string } }).error.id).to.equal('plugin.strategy.missing_user');
      const carol = await scrape(node.url, `Bearer ${await login(http, 'carol', PASSWORD)}`);
      expect((JSON.parse(carol.text) as { error: { id: string } }).error.id).to.equal('security.rights.forbidden');
    });

    it('exposes every metric with its type, and the figures of server:metrics', async () => {
      const bearer = `Bearer ${admin}`;
      failed(await http.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'carol', password: 'wrong-password-1' } }), 'plugin.strategy.missing_user', 401);
      const socket = await WsClient.connect(node.url);
      try {
        const { exposition } = await scraped(node.url, bearer);
        const json = await metricsOf(http, admin);
        expect(exposition.types).to.deep.equal(METRICS);
        for (const sample of exposition.samples) expect(METRICS, sample.name).to.have.property(sample.name);
        for (const [action, statuses] of Object.entries(json.portcullis.requests)) {
          if (action.startsWith('server:')) continue; // the two reads themselves
          const [controller, name] = action.split(':');
          for (const [status, value] of Object.entries(statuses)) {
            expect(sampleValue(exposition, 'portcullis_requests_total', { controller: controller!, action: name!, status }), `${action} ${status}`).to.equal(value);
          }
        }
        for (const [outcome, value] of Object.entries(json.portcullis.logins['local']!)) {
          expect(sampleValue(exposition, 'portcullis_logins_total', { strategy: 'local', outcome })).to.equal(value);
        }
        expect(sampleValue(exposition, 'portcullis_logins_total', { strategy: 'local', outcome: 'failure' })).to.be.at.least(1);
        for (const [id, value] of Object.entries(json.portcullis.limits)) expect(sampleValue(exposition, 'portcullis_limits_hit_total', { id })).to.equal(value);
        expect(sampleValue(exposition, 'portcullis_sessions_active')).to.equal(json.portcullis.sessions.active);
        expect(sampleValue(exposition, 'portcullis_websockets_open')).to.equal(1);
        expect(sampleValue(exposition, 'portcullis_strategy_hash_queue_depth', { strategy: 'local' })).to.equal(0);
        expect(sampleValue(exposition, 'portcullis_strategy_hash_running', { strategy: 'local' })).to.equal(0);
        expect(json.portcullis.strategies).to.deep.equal({ local: { hash_queue_depth: 0, hash_running: 0 } });
        // The scrape was counted once answered: server:metrics sees it.
        expect(json.portcullis.requests['server:prometheus']?.['200']).to.be.at.least(1);
      } finally {
        await socket.close();
      }
    });

    it('shows the hash queue while logins wait for the one hashing slot', async () => {
      const bearer = `Bearer ${admin}`;
      const logins = Promise.all(Array.from({ length: 6 }, () => login(new HttpClient(node.url), 'carol', PASSWORD)));
      let settled = false;
      void logins.finally(() => (settled = true));
      let deepest = 0;
      while (!settled) {
        const { exposition } = await scraped(node.url, bearer);
        deepest = Math.max(deepest, sampleValue(exposition, 'portcullis_strategy_hash_queue_depth', { strategy: 'local' }) ?? 0);
      }
      await logins;
      expect(deepest).to.be.within(1, 5);
      const { exposition } = await scraped(node.url, bearer);
      expect(sampleValue(exposition, 'portcullis_strategy_hash_queue_depth', { strategy: 'local' })).to.equal(0);
    });

    it('carries the same text over WebSocket, as the result of an envelope', async () => {
      const socket = await WsClient.connect(node.url);
      try {
        const answer = await socket.call({ controller: 'server', action: 'prometheus', jwt: admin });
        expect(ok<string>(answer)).to.match(/^# HELP portcullis_/m);
        expect(answer.headers['Content-Type']).to.match(/^text\/plain; version=0\.0\.4/);
      } finally {
        await socket.close();
      }
    });

    it('never shows a password, a token or the JWT secret', async () => {
      const carol = await login(http, 'carol', PASSWORD);
      const { text } = await scraped(node.url, basic(ADMIN.username, ADMIN.password));
      const json = JSON.stringify(await metricsOf(http, admin));
      for (const output of [text, json]) {
        for (const secret of [ADMIN.password, PASSWORD, JWT_SECRET, admin, carol, admin.slice(6), carol.slice(6), 'kauth-']) {
          expect(output).to.not.include(secret);
        }
      }
    });
  });
}
