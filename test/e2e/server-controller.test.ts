import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { allActions, type Portcullis, type ResponseEnvelope } from '@portcullis/server';
import { TRANSPORTS, type ApiClient } from '../support/clients.js';
import { failed, firstAdmin, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

type Http = Array<{ verb: string; url: string }>;

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: the server controller (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores);
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      const call = (action: string, args: Record<string, unknown> = {}) => client.call({ controller: 'server', action, jwt: admin, ...args });

      describe('server:healthCheck', () => {
        it('answers green for every store, or for those named in services', async () => {
          expect(ok(await call('healthCheck'))).to.deep.equal({ status: 'green', services: { internalCache: 'green', memoryStorage: 'green', storageEngine: 'green' } });
          expect(ok(await call('healthCheck', { services: 'storageEngine,memoryStorage' }))).to.deep.equal({ status: 'green', services: { memoryStorage: 'green', storageEngine: 'green' } });
        });

        it('refuses an unknown service name, naming the accepted ones', async () => {
          const response = await call('healthCheck', { services: 'storageEngine,elasticsearch' });
          failed(response, 'api.assert.invalid_argument', 400);
          expect(response.error!.message).to.include('internalCache, memoryStorage, storageEngine');
        });
      });

      describe('server:info', () => {
        it("answers Kuzzle's shape, with the API routes and without a secret", async () => {
          const info = ok<{ serverInfo: { kuzzle: Record<string, unknown>; services: Record<string, { type: string; address: string }> } }>(await call('info'));
          const { kuzzle, services } = info.serverInfo;
          expect(kuzzle).to.include.keys('version', 'api', 'nodeVersion', 'memoryUsed', 'uptime', 'plugins', 'system');
          expect(kuzzle).to.have.nested.property('api.routes.security.getUser');
          expect(kuzzle).to.have.nested.property('system.memory.total').that.is.a('number');
          expect(services).to.have.keys('internalCache', 'memoryStorage', 'internalStorage', 'publicStorage');
          expect(services['internalStorage']!.type).to.equal(mode === 'embedded' ? 'sqlite' : 'postgres');
          expect(services['internalCache']!.type).to.equal(mode === 'embedded' ? 'sqlite' : 'redis');
          expect(JSON.stringify(info)).to.not.match(/postgres:[^@/]*@|:postgres@/);
        });
      });

      describe('server:capabilities', () => {
        it("answers Kuzzle's shape", async () => {
          const caps = ok<Record<string, unknown>>(await call('capabilities'));
          expect(caps).to.have.keys('limits', 'plugins', 'routes', 'services', 'version');
          expect(caps).to.have.nested.property('routes.security.mGetUsers');
          expect(caps).to.have.nested.property('plugins.local');
          expect(caps).to.have.nested.property('services.storageEngine.backend', mode === 'embedded' ? 'sqlite' : 'postgres');
        });
      });

      describe('server:publicApi', () => {
        it('lists every served action with its routes', async () => {
          const api = ok<Record<string, Record<string, { http: Http }>>>(await call('publicApi'));
          for (const definition of allActions()) {
            expect(api, `${definition.controller}:${definition.action}`).to.have.nested.property(`${definition.controller}.${definition.action}`);
            const listed = api[definition.controller]![definition.action]!.http.map(({ verb, url }) => `${verb} ${url}`);
            expect(listed).to.deep.equal(definition.http.filter((route) => !route.deprecated).map(({ verb, path }) => `${verb} ${path}`));
          }
        });
      });

      describe('server:openapi', () => {
        it('answers a valid OpenAPI document of every route', async () => {
          let document: Record<string, unknown>;
          if (transport.name === 'http') {
            // Kuzzle's raw answer: over HTTP the body is the document itself.
            const response = await fetch(`${node.url}/_openapi`);
            expect(response.status).to.equal(200);
            expect(response.headers.get('content-type')).to.equal('application/json');
            document = (await response.json()) as Record<string, unknown>;
          } else {
            document = ok(await client.call({ controller: 'server', action: 'openapi' }));
          }
          const validator = new Validator();
          const result = await validator.validate(document as object);
          expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
          expect(result.valid).to.equal(true);
          const paths = document['paths'] as Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string }> }>>;
          for (const definition of allActions()) {
            for (const route of definition.http) {
              const path = route.path.replace(/:(\w+)/g, '{$1}');
              expect(paths[path], path).to.have.property(route.verb.toLowerCase());
            }
          }
          expect(paths['/users/{_id}/_replace']!['put']!.parameters).to.deep.include({ name: '_id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } });
          expect(document).to.have.nested.property('components.securitySchemes.bearer.scheme', 'bearer');
        });

        it('refuses an unknown scope', async () => {
          failed(await client.call({ controller: 'server', action: 'openapi', scope: 'nope' }), 'api.assert.unexpected_argument', 400);
        });
      });

      describe('server:getConfig', () => {
        it('answers the config without a secret', async () => {
          const config = ok<Record<string, unknown>>(await call('getConfig'));
          expect(config).to.have.nested.property('server.maxRequestSize');
          expect(config).to.have.nested.property('security.jwt.algorithm', 'HS256');
          expect(config).to.have.nested.property('plugins.local.argon2.memoryCost');
          expect(config).to.not.have.nested.property('security.jwt.secret');
        });
      });
    });
  }
}

describe('e2e: server:getConfig removes every secret', () => {
  let stores: TestStores;
  let node: Portcullis;
  const secrets = {
    jwt: 'a-jwt-secret-that-is-long-enough-0123456789',
    admin: 'bootstrap-admin-password-42',
    bind: 'ldap-bind-password-77',
    // PostgreSQL trusts local connections in the tests: it ignores this password, the node still holds it.
    database: 'pg-password-55',
  };

  before(async () => {
    stores = new TestStores('production');
    const databaseUrl = stores.config().database.url.replace('postgres://postgres@', `postgres://postgres:${secrets.database}@`);
    expect(databaseUrl).to.include(secrets.database);
    node = await startNode(stores, {
      security: { jwt: { secret: secrets.jwt }, admin: { username: 'root', password: secrets.admin } },
      plugins: { ldap: { url: 'ldap://127.0.0.1:1', bindDN: 'cn=svc,dc=example,dc=com', bindCredentials: secrets.bind, searchBase: 'dc=example,dc=com' } },
      database: { url: databaseUrl },
    });
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('shows no secret value anywhere, and strips credentials from URLs', async () => {
    const login = (await (await fetch(`${node.url}/_login/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: secrets.admin }) })).json()) as ResponseEnvelope;
    const jwt = (login.result as { jwt: string }).jwt;
    const response = (await (await fetch(`${node.url}/_getConfig`, { headers: { authorization: `Bearer ${jwt}` } })).json()) as ResponseEnvelope;
    const config = ok<Record<string, unknown>>(response);
    const text = JSON.stringify(config);
    for (const value of Object.values(secrets)) expect(text).to.not.include(value);
    expect(config).to.have.nested.property('plugins.ldap.bindDN', 'cn=svc,dc=example,dc=com');
    expect(config).to.not.have.nested.property('plugins.ldap.bindCredentials');
    expect(config).to.have.nested.property('security.admin.username', 'root');
    expect(config).to.not.have.nested.property('security.admin.password');
    expect(config).to.have.nested.property('database.url').that.matches(/^postgres:\/\/127\.0\.0\.1/);
  });
});
