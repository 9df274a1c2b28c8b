import { PortcullisError } from '../../errors/index.js';

export type UnavailableId = 'services.storage.not_connected' | 'services.cache.not_connected';

/** Node socket errors, PostgreSQL SQLSTATEs and SQLite codes that mean "the database did not answer". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  '57014', // query_canceled: statement_timeout fired
  '57P01', '57P02', '57P03', // the server is shutting down or starting
  '53300', // too_many_connections
  '55P03', // lock_not_available
]);
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/;
/** pg and pg-pool raise these without a code. */
const UNAVAILABLE_MESSAGES = /timeout|Connection terminated|Connection ended|not queryable|pool after calling end|driver has already been destroyed|database connection is not open/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether an error from the SQL driver means the database is unreachable, overloaded or too slow. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_SQLITE.test(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** Whether an error is a violated primary key or unique constraint, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Runs a database call and turns "unavailable" failures into `id` (with the driver error as
 * cause). Other errors (bugs, mostly) pass through untouched.
 * @throws services.storage.not_connected | services.cache.not_connected
 */
export async function guard<T>(id: UnavailableId, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PortcullisError || !isUnavailable(error)) throw error;
    throw new PortcullisError(id, [], { cause: error });
  }
}
