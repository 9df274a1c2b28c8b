import { fail, isPortcullisError, type Logger } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, withError } from '../api/action.js';
import { id } from '../api/schemas.js';
import { deletable } from './rights-common.js';
import { serializeUser } from './security-users.js';
import { recordFor } from '../api/audit-stage.js';

/** Longest `ids` argument accepted as text (a comma list or a JSON array), before it is split. */
const MAX_IDS_TEXT = 1_000_000;

/**
 * The `ids` argument as Kuzzle reads it (Request.getArrayLegacy): an array, a JSON array in a
 * string, or a comma list (`?ids=a,b` over HTTP, as the SDK sends it).
 * @throws api.assert.invalid_type when a JSON array holds something other than strings
 */
function idList(value: string | string[]): string[] {
  if (Array.isArray(value)) return value;
  if (value.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw fail('api.assert.invalid_type', 'ids', 'string[]');
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw fail('api.assert.invalid_type', 'ids', 'string[]');
    return parsed as string[];
  }
  return value.split(',').filter((item) => item.length > 0);
}

/** What a refused deletion is called in `services.storage.incomplete_delete`: its error id, never its details. */
function refusal(kuid: string, error: unknown, logger: Logger): string {
  if (isPortcullisError(error)) return `${kuid} (${error.id})`;
  logger.error({ err: error, kuid }, 'a user of security:mDeleteUsers could not be deleted');
  return `${kuid} (core.fatal.unexpected_error)`;
}

/** security: users by batches of ids. */
export const userBatchActions = [
  defineAction({
    controller: 'security',
    action: 'mGetUsers',
    description: 'Users by kuid, in the order asked; kuids of no user are left out.',
    http: [
      { verb: 'GET', path: '/users/_mGet' },
      { verb: 'POST', path: '/users/_mGet' },
    ],
    args: z.object({ ids: z.union([z.array(id), z.string().max(MAX_IDS_TEXT)]).optional() }).loose(),
    body: z.object({ ids: z.array(id) }).strict().nullish(),
    async handler({ args, body, ctx }) {
      // Kuzzle's order: a non-empty body.ids, else the ids argument.
      const given = body && body.ids.length > 0 ? body.ids : args.ids;
      if (given === undefined) throw fail('api.assert.missing_argument', 'ids');
      const ids = idList(given);
      if (ids.length > ctx.config.limits.documentsFetchCount) throw fail('services.storage.get_limit_exceeded');
      const hits = [];
      for (const kuid of ids) {
        const user = await ctx.security.getUser(kuid);
        if (user) hits.push(serializeUser(user));
      }
      return { hits };
    },
  }),
  defineAction({
    controller: 'security',
    action: 'mDeleteUsers',
    description: 'Deletes users as deleteUser does, each on its own; answers the kuids deleted, and a partial error naming the others.',
    http: [{ verb: 'POST', path: '/users/_mDelete' }],
    args: z.object({}).loose(),
    body: z.object({ ids: z.array(id) }).strict(),
    async handler(call) {
      const { body, ctx } = call;
      const { deleted, failures } = await ctx.users.deleteMany(deletable(body.ids, ctx.config.limits.documentsWriteCount));
      for (const kuid of deleted) recordFor(call, { type: 'user:delete', userId: kuid, details: { action: 'mDeleteUsers' } });
      if (failures.length === 0) return deleted;
      const refused = failures.map(({ kuid, error }) => refusal(kuid, error, ctx.logger)).join(', ');
      return withError(deleted, fail('services.storage.incomplete_delete', refused));
    },
  }),
];
