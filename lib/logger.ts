// The one structured logger. Signature headers and secrets are redacted wherever they appear.
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactionOf } from './log-redaction';
import { traceLogFields } from './tracing';

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
  'x-slack-signature',
  'x-twilio-signature',
  'x-twilio-email-event-webhook-signature',
  'x-zm-signature',
  'paddle-signature',
  'x-signature-ed25519',
  'x-square-hmacsha256-signature',
];

/** Field names whose values are never written, at the top level or one level down. */
const SECRET_FIELDS = ['secret', 'secrets', 'password', 'token', 'signature'];

/** The same rule as pino `redact` paths (what lib/log-redaction.ts does, checked against pino in its test). */
export const REDACTED_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
];

const redact = redactionOf(SECRET_FIELDS, SECRET_HEADERS);

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  name: string;
  /** Fields added to every line from the current context (e.g. the running activity's workflow id). */
  mixin?: () => object;
  /** Write lines asynchronously, in batches (within 100 ms, flushed on exit), so a request never waits on stdout. */
  async?: boolean;
}

/**
 * Asynchronous stdout: lines are gathered and written a few kilobytes at a time (a write per line
 * was a tenth of the ingress's CPU under load), at the latest every 100 ms, and flushed on exit.
 */
const ASYNC_STDOUT = { dest: 1, sync: false, minLength: 4096, periodicFlush: 100 };

/** `destination` lets tests read what would be written (stdout otherwise). */
export function createLogger(opts: LoggerOptions, destination?: DestinationStream): Logger {
  const options = {
    name: opts.name,
    level: opts.level,
    // Inside a span (tracing on), every line carries its trace id.
    mixin: opts.mixin ? () => ({ ...traceLogFields(), ...opts.mixin!() }) : traceLogFields,
    // A line's fields, redacted (pino's own `redact` with wildcard paths cost ~15× more per line).
    formatters: { log: redact as (o: Record<string, unknown>) => Record<string, unknown> },
    transport: opts.pretty && !destination && prettyInstalled() ? { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } : undefined,
  };
  const logger = destination ? pino(options, destination) : opts.async && !options.transport ? pino(options, pino.destination(ASYNC_STDOUT)) : pino(options);
  return redactingChildren(logger);
}

/** pino-pretty is a development dependency: the production image has none, and writes JSON lines even when asked for pretty ones. */
function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** pino applies no formatter to a child's fields, so they are redacted on the way in (children inherit this `child`). */
function redactingChildren(logger: Logger): Logger {
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redact(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}
