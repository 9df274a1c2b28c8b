import { fail } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, withError } from '../api/action.js';
import { noBody } from '../api/schemas.js';

/** Kuzzle's service names, each checked by pinging the store that plays its part here. */
const SERVICES = ['internalCache', 'memoryStorage', 'storageEngine'] as const;
type Service = (typeof SERVICES)[number];

/**
 * The `services` argument: a comma list (or an array) of Kuzzle's service names; all when absent.
 * @throws api.assert.invalid_argument naming the accepted names, for any other name
 */
function requested(value: string | string[] | undefined): Service[] {
  if (value === undefined) return [...SERVICES];
  const names = (Array.isArray(value) ? value : value.split(',')).map((name) => name.trim()).filter((name) => name.length > 0);
  for (const name of names) {
    if (!(SERVICES as readonly string[]).includes(name)) throw fail('api.assert.invalid_argument', 'services', `a comma list of ${SERVICES.join(', ')} (got "${name.slice(0, 64)}")`);
  }
  return SERVICES.filter((service) => names.includes(service));
}

/** server:healthCheck: Kuzzle's answer, with status 503 and core.fatal.service_unavailable beside it when a store is down. */
export const healthCheckAction = defineAction({
  controller: 'server',
  action: 'healthCheck',
  description: 'Whether the stores answer: green, or red with status 503. `services` limits the check to some of internalCache, memoryStorage, storageEngine.',
  http: [{ verb: 'GET', path: '/_healthCheck' }],
  args: z.object({ services: z.union([z.string().max(1000), z.array(z.string().max(64)).max(16)]).optional() }).loose(),
  body: noBody,
  async handler({ args, ctx }) {
    const services = requested(args.services);
    const ping = await ctx.storage.ping();
    // The session store stands for Kuzzle's two Redis services; the SQL database for Elasticsearch.
    const up: Record<Service, boolean> = { internalCache: ping.sessions, memoryStorage: ping.sessions, storageEngine: ping.database };
    const result = { status: 'green', services: {} as Record<string, 'green' | 'red'> };
    for (const service of services) result.services[service] = up[service] ? 'green' : 'red';
    const down = services.filter((service) => !up[service]);
    if (down.length === 0) return result;
    result.status = 'red';
    return withError(result, fail('core.fatal.service_unavailable', down.join(', ')));
  },
});
