import { ERRORS, type ErrorId } from './catalogue.js';

/** The wire shape of an error: Kuzzle's `{id, code, message, props, status}` (+ `stack` in development). */
export interface ErrorPayload {
  id: ErrorId;
  code: number;
  message: string;
  props: string[];
  status: number;
  stack?: string;
}

/**
 * The only error class that crosses the API boundary. Build it with {@link PortcullisError.from}
 * or the {@link fail} helper so that the id, status, code and message all come from the catalogue.
 */
export class PortcullisError extends Error {
  readonly id: ErrorId;
  readonly status: number;
  readonly code: number;
  readonly props: string[];

  constructor(id: ErrorId, props: readonly unknown[] = [], options: { cause?: unknown } = {}) {
    const definition = ERRORS[id];
    // Props often quote the client (a name, an id): they reach clients and logs without control characters.
    const textProps = props.map((prop) => stripControls(String(prop)));
    super(formatMessage(definition.message, textProps), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortcullisError';
    this.id = id;
    this.status = definition.status;
    this.code = definition.code;
    this.props = textProps;
  }

  toJSON(withStack = false): ErrorPayload {
    const payload: ErrorPayload = { id: this.id, code: this.code, message: this.message, props: this.props, status: this.status };
    if (withStack && this.stack) payload.stack = this.stack;
    return payload;
  }
}

/** Builds a catalogued error: `throw fail('security.user.not_found', kuid)`. */
export function fail(id: ErrorId, ...props: unknown[]): PortcullisError {
  return new PortcullisError(id, props);
}

export function isPortcullisError(value: unknown): value is PortcullisError {
  return value instanceof PortcullisError;
}

const CONTROL_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff]';
const CONTROLS = new RegExp(CONTROL_CLASS, 'g');
const HAS_CONTROL = new RegExp(CONTROL_CLASS);

/**
 * A string without C0 and C1 control characters, DEL, nor the Unicode line, zero-width and bidi
 * controls: what a value quoted back to a client (or written to a log) may hold.
 */
export function stripControls(value: string): string {
  return HAS_CONTROL.test(value) ? value.replace(CONTROLS, '') : value;
}

function formatMessage(template: string, props: readonly string[]): string {
  let index = 0;
  return template.replace(/%s/g, () => props[index++] ?? '');
}
