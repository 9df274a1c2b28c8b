import { z } from 'zod';
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

/** A time in epoch ms, from a number or a query-string digit string. */
const epoch = z.coerce.number().int().min(0).optional();

/** Kuzzle's statistics actions, deprecated by Kuzzle 2.16 for server:metrics: frames of 10 s, kept for an hour, per node. */
export const statsActions = [
  defineAction({
    controller: 'server', action: 'getLastStats', description: 'The latest statistics frame of this node (Kuzzle, deprecated: see server:metrics).',
    http: [{ verb: 'GET', path: '/_getLastStats' }], args: noArgs, body: noBody,
    handler: ({ ctx }) => ctx.metrics.frames.last(),
  }),
  defineAction({
    controller: 'server', action: 'getAllStats', description: 'Every statistics frame this node keeps (Kuzzle, deprecated: see server:metrics).',
    http: [{ verb: 'GET', path: '/_getAllStats' }], args: noArgs, body: noBody,
    handler: ({ ctx }) => framesResult(ctx.metrics.frames.between()),
  }),
  defineAction({
    controller: 'server', action: 'getStats', description: 'The statistics frames between startTime and stopTime, epoch ms (Kuzzle, deprecated: see server:metrics).',
    http: [{ verb: 'GET', path: '/_getStats' }], args: z.object({ startTime: epoch, stopTime: epoch }).loose(), body: noBody,
    handler: ({ args, ctx }) => framesResult(ctx.metrics.frames.between(args.startTime, args.stopTime)),
  }),
];

function framesResult(hits: readonly unknown[]): { hits: readonly unknown[]; total: number } {
  return { hits, total: hits.length };
}
