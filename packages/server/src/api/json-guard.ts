import { fail, PortcullisError, type ErrorId } from '@portcullis/core';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What {@link scanJson} found wrong with a JSON text. */
export type JsonProblem = 'too_deep' | 'nul';

/**
 * One pass over a JSON text, before it is parsed: is it nested deeper than `maxDepth`, and does a
 * string in it hold a NUL character (`\u0000`, the only way JSON can carry one)? Both are
 * refused before anything reads the value: deep values blow the stack of whatever walks them
 * (validation, serialisation), and PostgreSQL refuses NUL in text, so a NUL would reach the
 * database and come back as a 500. The scan is linear, allocates nothing, and only runs for
 * bodies and messages that exist.
 */
export function scanJson(text: Buffer | string, maxDepth: number): JsonProblem | null {
  const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (inString) {
      if (byte === QUOTE) inString = false;
      else if (byte === BACKSLASH) {
        // `\u0000` spelt with any case of hex digits; every other escape is skipped whole.
        if (raw[i + 1] === 0x75 && raw[i + 2] === 0x30 && raw[i + 3] === 0x30 && raw[i + 4] === 0x30 && raw[i + 5] === 0x30) return 'nul';
        i++;
      }
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return 'too_deep';
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return null;
}

/**
 * Parses a JSON text after {@link scanJson}: nesting too deep or a syntax error is `parseId`.
 * A NUL character is reported, not thrown, so that the caller can answer with the request's id.
 * @throws parseId (network.http.body_parse_failed, ...)
 */
export function parseGuardedJson(text: Buffer | string, maxDepth: number, parseId: ErrorId): { value: unknown; nul: boolean } {
  const problem = scanJson(text, maxDepth);
  if (problem === 'too_deep') throw fail(parseId, `nested deeper than ${maxDepth} levels`);
  try {
    return { value: JSON.parse(typeof text === 'string' ? text : text.toString('utf8')), nul: problem === 'nul' };
  } catch (error) {
    throw new PortcullisError(parseId, [syntaxProblem(error as Error)]);
  }
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

// C0 and C1 control characters, DEL, and the Unicode line and bidi controls.
const CONTROL_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff]';
const CONTROLS = new RegExp(CONTROL_CLASS, 'g');
const HAS_CONTROL = new RegExp(CONTROL_CLASS);

/** Longest client value echoed back, in characters. */
export const ECHO_LIMIT = 128;

/**
 * A client value made safe to echo (in a message, an envelope or a header): control characters
 * removed, cut to `limit` characters. Echoed values stay readable in logs and terminals and
 * cannot inflate an answer.
 */
export function echo(value: string, limit = ECHO_LIMIT): string {
  // Most values (request ids) are clean: test before building a new string.
  if (value.length <= limit && !HAS_CONTROL.test(value)) return value;
  const clean = value.length > limit * 4 ? value.slice(0, limit * 4).replace(CONTROLS, '') : value.replace(CONTROLS, '');
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/** Whether a string can be an HTTP header value as is (Node throws on anything else). */
export function headerSafe(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}
