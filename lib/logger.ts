// The one structured logger. Signature headers and secrets are redacted wherever they appear.
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["x-hookflow-signature"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["x-shopify-hmac-sha256"]',
  'headers["webhook-signature"]',
  '*.secret',
  '*.secrets',
  '*.password',
];

/** `destination` lets tests read what would be written (stdout otherwise). */
export function createLogger(opts: { level: string; pretty: boolean; name: string }, destination?: DestinationStream): Logger {
  const options = {
    name: opts.name,
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    transport: opts.pretty && !destination ? { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}
