import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line: whatever a caller logs, a password, a token or a
 * secret never reaches the output.
 */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'body.password', 'credentials.*.password',
  'currentPassword', '*.currentPassword', '*.*.currentPassword', 'credentials.*.currentPassword',
  'jwt', '*.jwt', 'token', '*.token', 'secret', '*.secret', 'hash', '*.hash', '*.*.hash',
  'headers.authorization', 'req.headers.authorization', 'headers.cookie', 'req.headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

/** The root logger of a node; children are namespaced `portcullis:<area>` through {@link namespaced}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { name: 'portcullis', level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    options.destination,
  );
}

export function namespaced(logger: Logger, namespace: string): Logger {
  return logger.child({ ns: `portcullis:${namespace}` });
}
