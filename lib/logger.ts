// The one structured logger. Signature headers and secrets are redacted wherever they appear.
import pino, { type DestinationStream, type Logger } from 'pino';

/** Request headers that carry credentials or signatures (lowercase, as Node gives them). */
export const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'x-api-key',
  'x-hookflow-signature',
  'stripe-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-shopify-hmac-sha256',
  'webhook-signature',
  'svix-signature',
];

/** Field names whose values are never written, at the top level or one level down. */
const SECRET_FIELDS = ['secret', 'secrets', 'password', 'token', 'signature'];

export const REDACTED_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  name: string;
  /** Fields added to every line from the current context (e.g. the running activity's workflow id). */
  mixin?: () => object;
  /** Write lines asynchronously (flushed on exit), so a request never waits on stdout. */
  async?: boolean;
}

/** `destination` lets tests read what would be written (stdout otherwise). */
export function createLogger(opts: LoggerOptions, destination?: DestinationStream): Logger {
  const options = {
    name: opts.name,
    level: opts.level,
    mixin: opts.mixin,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    transport: opts.pretty && !destination ? { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } : undefined,
  };
  if (destination) return pino(options, destination);
  return opts.async && !options.transport ? pino(options, pino.destination({ dest: 1, sync: false })) : pino(options);
}
