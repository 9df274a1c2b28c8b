import { defineAction, outcome } from '../api/action.js';
import { noArgs, noBody } from '../api/schemas.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus.js';

/**
 * server:metrics (Kuzzle's, with our figures beside) and server:prometheus (the same figures in
 * Prometheus' text format). Both go through the funnel like any action: the caller is found by
 * a token, an API key or HTTP Basic, and roles decide. The default roles grant them to admin
 * only: metrics reveal activity.
 */
export const metricsActions = [
  defineAction({
    controller: 'server', action: 'metrics',
    description: 'Figures of this node: Kuzzle\'s (api, network, realtime) and Portcullis\' own (requests, logins, limits, sessions, caches).',
    http: [{ verb: 'GET', path: '/_metrics' }], args: noArgs, body: noBody,
    handler: ({ ctx }) => ctx.metrics.snapshot(),
  }),
  defineAction({
    controller: 'server', action: 'prometheus',
    description: 'The figures of server:metrics in Prometheus\' text exposition format (over HTTP the body is the text itself), for scrapers.',
    http: [{ verb: 'GET', path: '/_metrics/prometheus' }], args: noArgs, body: noBody, rawOverHttp: true,
    handler: async ({ ctx }) => outcome(await ctx.metrics.exposition(), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }),
  }),
];
