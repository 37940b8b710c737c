// http.request: calls an HTTP API. The step's idempotency key is sent as Idempotency-Key, so a
// retried POST is recognised by APIs that honour it. Statuses decide retries: 4xx fail at once
// (except 408 and 429), as do unexpected 1xx-3xx; 5xx and network errors are retried by Temporal's policy.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityRequest } from '../engine/contract';
import { durationMs } from '../engine/duration';
import { type ActivityDeps, badArguments, requireString } from './effects';
import { type SecretLookup, isSecretRef, resolveSecret } from './secrets';
import type { HostPacer } from './host-pacing';

const NAME = 'http.request';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_BODY = 300;

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface SignSpec { secret: string; algorithm?: 'sha256' | 'sha512'; header?: string; prefix?: string; timestampHeader?: string }

export function httpActivities(deps: Pick<ActivityDeps, 'log'> & { secrets: SecretLookup; pacer?: Pick<HostPacer, 'pace'> }) {
  return {
    async [NAME]({ args, idempotencyKey }: ActivityRequest): Promise<HttpResult> {
      const base = isSecretRef(args.url) ? resolveSecret(NAME, deps.secrets, args.url.secret) : requireString(NAME, args, 'url');
      const url = `${base}${typeof args.path === 'string' ? args.path : ''}`;
      if (!/^https?:\/\//i.test(url)) throw badArguments(NAME, `"url" must be an http or https URL${isSecretRef(args.url) ? ` (check the secret ${args.url.secret})` : `, got ${JSON.stringify(url)}`}`);
      // A URL that comes from a secret may carry credentials: messages show only the path.
      const shown = isSecretRef(args.url) ? `{secret:${args.url.secret}}${typeof args.path === 'string' ? args.path : ''}` : url;
      const method = typeof args.method === 'string' ? args.method.toUpperCase() : 'GET';
      const body = args.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(args.body);
      const headers: Record<string, string> = { 'idempotency-key': idempotencyKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
      for (const [k, v] of Object.entries((args.headers as Record<string, unknown> | undefined) ?? {})) {
        headers[k.toLowerCase()] = isSecretRef(v) ? resolveSecret(NAME, deps.secrets, v.secret) : String(v);
      }
      if (args.sign) Object.assign(headers, signature(args.sign as SignSpec, body ?? '', deps.secrets));

      // A host with a limit (HOOKFLOW_HTTP_HOST_LIMITS) is called at its pace, whichever worker calls it.
      await deps.pacer?.pace(url);
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs(args.timeout)), redirect: 'manual' });
      } catch (err) {
        // Network errors and timeouts: the server may be back on the next attempt.
        throw ApplicationFailure.retryable(`${NAME}: ${method} ${shown} failed: ${(err as Error).message}`, 'HttpNetworkError');
      }
      const text = await res.text();
      // The output lands in history: cookies the API sets stay out of it.
      const responseHeaders = Object.fromEntries([...res.headers].filter(([name]) => name !== 'set-cookie'));
      const result: HttpResult = { status: res.status, headers: responseHeaders, body: parseBody(text, res.headers.get('content-type')) };
      const expected = Array.isArray(args.expectStatus) ? (args.expectStatus as number[]) : undefined;
      if (expected ? expected.includes(res.status) : res.status >= 200 && res.status < 300) {
        deps.log.info({ method, url: shown, status: res.status, idempotencyKey }, 'http request done');
        return result;
      }
      const message = `${NAME}: ${method} ${shown} answered ${res.status}: ${text.slice(0, MAX_ERROR_BODY)}`;
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      if (retryable) throw ApplicationFailure.retryable(message, 'HttpRetryableStatus');
      throw ApplicationFailure.nonRetryable(message, 'HttpClientError', { status: res.status });
    },
  };
}

/** HMAC over the raw body (or "<timestamp>.<body>" with a timestamp header), as webhook providers sign. */
function signature(sign: SignSpec, body: string, secrets: SecretLookup): Record<string, string> {
  const key = resolveSecret(NAME, secrets, sign.secret);
  const out: Record<string, string> = {};
  let payload = body;
  if (sign.timestampHeader) {
    const ts = String(Math.floor(Date.now() / 1000));
    out[sign.timestampHeader.toLowerCase()] = ts;
    payload = `${ts}.${body}`;
  }
  const algorithm = sign.algorithm ?? 'sha256';
  out[(sign.header ?? 'X-Hookflow-Signature').toLowerCase()] = `${sign.prefix ?? `${algorithm}=`}${createHmac(algorithm, key).update(payload).digest('hex')}`;
  return out;
}

function timeoutMs(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = durationMs(value);
  if (ms === undefined) throw badArguments(NAME, `"timeout" must be a duration such as 500ms, 10s or 1m, got ${JSON.stringify(value)}`);
  return ms;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return null;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
