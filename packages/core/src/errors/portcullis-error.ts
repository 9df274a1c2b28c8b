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
    const textProps = props.map((prop) => String(prop));
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

function formatMessage(template: string, props: readonly string[]): string {
  let index = 0;
  return template.replace(/%s/g, () => props[index++] ?? '');
}
