import { pino, type Logger } from 'pino';

/**
 * The service's logger: JSON lines on stderr (stdout stays for command output). Secrets never
 * reach it: config objects are not logged whole, and these paths are redacted in case one is.
 */
export function createLogger(level = process.env.DRIFTWATCH_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'driftwatch' },
      redact: {
        paths: [
          'password',
          '*.password',
          '*.*.password',
          'sasl',
          '*.sasl',
          'authorization',
          '*.authorization',
          'token',
          '*.token',
          'routingKey',
          '*.routingKey',
          'apiKey',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

export type { Logger };
