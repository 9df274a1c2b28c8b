import { fail, PortcullisError, stripControls, type ErrorId } from '@portcullis/core';

/** What {@link inspectJson} found wrong with a parsed JSON value. */
export type JsonProblem = 'too_deep' | 'nul';

/**
 * Is a parsed JSON value nested deeper than `maxDepth`, and does a string in it (a value or a
 * key) hold a NUL character? Both are refused before anything else reads the value: deep values
 * blow the stack of whatever walks them recursively (validation, serialisation of `volatile`),
 * and PostgreSQL refuses NUL in text, so a NUL would reach the database and come back as a 500.
 * V8 parses any depth without recursion; this walk stops at `maxDepth`. It runs for every
 * WebSocket message: for a typical one (a token and three short strings) it costs about a tenth
 * of JSON.parse.
 */
export function inspectJson(value: unknown, maxDepth: number): JsonProblem | null {
  if (typeof value === 'string') return value.includes('\u0000') ? 'nul' : null;
  if (typeof value !== 'object' || value === null) return null;
  if (maxDepth === 0) return 'too_deep';
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = inspectJson(item, maxDepth - 1);
      if (problem) return problem;
    }
    return null;
  }
  for (const key in value) {
    if (key.includes('\u0000')) return 'nul';
    const problem = inspectJson((value as Record<string, unknown>)[key], maxDepth - 1);
    if (problem) return problem;
  }
  return null;
}

/**
 * Parses a JSON text, then {@link inspectJson}: nesting too deep or a syntax error is `parseId`.
 * A NUL character is reported, not thrown, so that the caller can answer with the request's id.
 * @throws parseId (network.http.body_parse_failed, ...)
 */
export function parseGuardedJson(text: Buffer | string, maxDepth: number, parseId: ErrorId): { value: unknown; nul: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch (error) {
    throw new PortcullisError(parseId, [syntaxProblem(error as Error)]);
  }
  const problem = inspectJson(value, maxDepth);
  if (problem === 'too_deep') throw fail(parseId, `nested deeper than ${maxDepth} levels`);
  return { value, nul: problem === 'nul' };
}

/**
 * What JSON.parse found wrong, without the piece of input V8 quotes in its message (`Unexpected
 * token 'x', "{"password":"hunt..." is not valid JSON`): a body may hold a password.
 */
function syntaxProblem(error: Error): string {
  return echo(error.message.replace(/,?\s*".*$/s, ''));
}

/** The refusal of a string holding NUL: no store keeps one (PostgreSQL refuses it in text). */
export function nulRefused(part: string): PortcullisError {
  return fail('api.assert.invalid_argument', part, 'strings without NUL characters (\\u0000)');
}

/** Longest client value echoed back, in characters. */
export const ECHO_LIMIT = 128;

/**
 * A client value made safe to echo (in a message, an envelope or a header): control characters
 * removed, cut to `limit` characters. Echoed values stay readable in logs and terminals and
 * cannot inflate an answer.
 */
export function echo(value: string, limit = ECHO_LIMIT): string {
  const clean = stripControls(value.length > limit * 4 ? value.slice(0, limit * 4) : value);
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/** Whether a string can be an HTTP header value as is (Node throws on anything else). */
export function headerSafe(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}
