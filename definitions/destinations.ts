// Loads destination files (destinations/*.yaml): the receivers of outbound webhooks. Checked like
// flows (schema, then what a schema cannot see), every problem at file:line:column. Secrets are
// names of the worker's environment variables, resolved at each attempt (activities/outbound-send.ts);
// here only their presence is checked, so a missing one stops start-up rather than every delivery.
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import Ajv from 'ajv';
import destinationSchema from '../schemas/destination.schema.json';
import { checkedDurationMs } from '../engine/duration';
import { type BreakerSettings, DEFAULT_RETRY, type DestinationDefinition, type RetrySchedule, type SecretRef, type SigningScheme } from '../engine/outbound';

export type { DestinationDefinition } from '../engine/outbound';
import { listYamlFiles } from './flows';
import type { SecretEnv } from './source-secrets';
import { type Problem, readYamlFile, schemaProblems } from './yaml-file';

export const DEFAULT_BREAKER: BreakerSettings = { consecutiveFailures: 5, probeAfterMs: 60_000, disableAfterMs: 86_400_000 };
const DEFAULT_TIMEOUT_MS = 10_000;
/** breaker.failureRate: attempts in the window before the rate counts. */
const DEFAULT_MIN_ATTEMPTS = 20;

interface RawDestination {
  name: string;
  url: string | SecretRef;
  events: string[];
  signing: { scheme?: SigningScheme; secrets: string[] };
  versionHeader?: string;
  headers?: Record<string, string | SecretRef>;
  timeout?: string;
  retry?: { initialInterval?: string; maxInterval?: string; multiplier?: number; jitter?: number; maxAttempts?: number; maxAge?: string };
  breaker?: { consecutiveFailures?: number; probeAfter?: string; disableAfter?: string; failureRate?: { over: number; window: string; minAttempts?: number } };
  rateLimit?: { perSecond: number };
  concurrency?: number;
  batch?: { maxEvents: number; maxWait: string };
}

const validateSchema = new Ajv({ allErrors: true, strict: false }).compile(destinationSchema);
const ms = (value: string | undefined, fallback: number) => (value === undefined ? fallback : checkedDurationMs(value));

/** A folder that does not exist holds no destinations: outbound webhooks are optional. */
export function loadDestinations(dir: string, env: SecretEnv = process.env): { destinations: DestinationDefinition[]; problems: Problem[] } {
  const files = existsSync(dir) && statSync(dir).isDirectory() ? listYamlFiles(dir) : [];
  const destinations: DestinationDefinition[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const yaml = readYamlFile(file, relative(process.cwd(), file) || file);
    if (yaml.problems.length) { problems.push(...yaml.problems); continue; }
    if (!validateSchema(yaml.data)) { problems.push(...schemaProblems(yaml, validateSchema.errors ?? [])); continue; }
    const raw = yaml.data as unknown as RawDestination;
    const found: Problem[] = [];
    if (destinations.some((d) => d.name === raw.name)) found.push(yaml.at(['name'], `destination name "${raw.name}" is used twice`));
    if (typeof raw.url === 'string') {
      try { new URL(raw.url); } catch { found.push(yaml.at(['url'], `"${raw.url}" is not a URL`, 'write e.g. https://example.com/webhooks')); }
    }
    if (env !== 'unchecked') {
      const unset = (name: string) => !env[name];
      if (typeof raw.url !== 'string' && unset(raw.url.secret)) found.push(yaml.at(['url', 'secret'], `secret ${raw.url.secret} is not set`, `set ${raw.url.secret} in the worker's environment`));
      raw.signing.secrets.forEach((name, i) => {
        if (unset(name)) found.push(yaml.at(['signing', 'secrets', i], `secret ${name} is not set`, `set ${name} in the worker's environment`));
        else if ((raw.signing.scheme ?? 'standard-webhooks') === 'standard-webhooks' && !isWhsec(env[name]!)) {
          found.push(yaml.at(['signing', 'secrets', i], `secret ${name} is not a Standard Webhooks secret`, 'standard-webhooks secrets look like whsec_<base64 of 24 to 64 random bytes>'));
        }
      });
      for (const [header, value] of Object.entries(raw.headers ?? {})) {
        if (typeof value !== 'string' && unset(value.secret)) found.push(yaml.at(['headers', header, 'secret'], `secret ${value.secret} is not set`, `set ${value.secret} in the worker's environment`));
      }
    }
    const retry: RetrySchedule = {
      initialMs: ms(raw.retry?.initialInterval, DEFAULT_RETRY.initialMs),
      maxIntervalMs: ms(raw.retry?.maxInterval, DEFAULT_RETRY.maxIntervalMs),
      multiplier: raw.retry?.multiplier ?? DEFAULT_RETRY.multiplier,
      jitter: raw.retry?.jitter ?? DEFAULT_RETRY.jitter,
      maxAttempts: raw.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      maxAgeMs: ms(raw.retry?.maxAge, DEFAULT_RETRY.maxAgeMs),
    };
    if (retry.maxIntervalMs < retry.initialMs) found.push(yaml.at(['retry', 'maxInterval'], 'maxInterval is shorter than initialInterval'));
    const breaker: BreakerSettings = {
      consecutiveFailures: raw.breaker?.consecutiveFailures ?? DEFAULT_BREAKER.consecutiveFailures,
      probeAfterMs: ms(raw.breaker?.probeAfter, DEFAULT_BREAKER.probeAfterMs),
      disableAfterMs: ms(raw.breaker?.disableAfter, DEFAULT_BREAKER.disableAfterMs),
      ...(raw.breaker?.failureRate && { failureRate: { over: raw.breaker.failureRate.over, windowMs: checkedDurationMs(raw.breaker.failureRate.window), minAttempts: raw.breaker.failureRate.minAttempts ?? DEFAULT_MIN_ATTEMPTS } }),
    };
    if (breaker.disableAfterMs < breaker.probeAfterMs) found.push(yaml.at(['breaker', 'disableAfter'], 'disableAfter is shorter than probeAfter', 'a paused destination is probed every probeAfter, and disabled after disableAfter without a success'));
    problems.push(...found);
    if (found.length) continue;
    destinations.push({
      name: raw.name, file: yaml.file, url: raw.url, events: raw.events,
      signing: { scheme: raw.signing.scheme ?? 'standard-webhooks', secrets: raw.signing.secrets },
      ...(raw.versionHeader && { versionHeader: raw.versionHeader }),
      headers: raw.headers ?? {}, timeoutMs: ms(raw.timeout, DEFAULT_TIMEOUT_MS), retry, breaker,
      ...(raw.rateLimit && { rateLimit: raw.rateLimit }),
      ...(raw.concurrency !== undefined && { concurrency: raw.concurrency }),
      ...(raw.batch && { batch: { maxEvents: raw.batch.maxEvents, maxWaitMs: checkedDurationMs(raw.batch.maxWait) } }),
    });
  }
  return { destinations, problems };
}

/** whsec_ then base64 of the key bytes. */
export function isWhsec(value: string): boolean {
  return /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value.slice(6), 'base64').length >= 16;
}
