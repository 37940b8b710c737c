// http.request: calls an HTTP API. The step's idempotency key is sent as Idempotency-Key, so a
// retried POST is recognised by APIs that honour it. Statuses decide retries: 4xx fail at once
// (except 408 and 429), as do unexpected 1xx-3xx; 5xx and network errors are retried by Temporal's policy.
// Where it may go is checked here (activities/egress.ts, http-target.ts): the URL's origin is the
// flow file's (or a declared secret's), non-public addresses are refused after DNS resolution
// unless allowed, and a response larger than MAX_RESPONSE_BYTES fails without being read whole.
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityRequest } from '../engine/contract';
import { durationMs } from '../engine/duration';
import { type ActivityDeps, badArguments } from './effects';
import { type SecretLookup, resolveSecret, secretAt } from './secrets';
import type { HostPacer } from './host-pacing';
import { DENY_ALL_PRIVATE, EgressRefused, type EgressPolicy, type Resolve, checkedLookup, refusal } from '../lib/egress';
import { type RequestTarget, TargetRefused, hostMatches, requestTarget } from './http-target';
import { SpanKind, annotate, injectTraceHeaders, withSpan } from '../lib/tracing';

const NAME = 'http.request';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_BODY = 300;
/** A response body larger than this fails the step (it would land in the run's history). */
export const MAX_RESPONSE_BYTES = 256 * 1024;

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface SignSpec { secret: string; algorithm?: 'sha256' | 'sha512'; header?: string; prefix?: string; timestampHeader?: string }

export interface HttpDeps extends Pick<ActivityDeps, 'log'> {
  secrets: SecretLookup;
  pacer?: Pick<HostPacer, 'pace'>;
  /** Non-public destinations allowed (HOOKFLOW_EGRESS_ALLOW); none when omitted. */
  egress?: EgressPolicy;
  /** Name resolution (DNS by default; tests give their own names). */
  resolve?: Resolve;
}

export function httpActivities(deps: HttpDeps) {
  const egress = deps.egress ?? DENY_ALL_PRIVATE;
  // Kept-alive sockets of this policy only: a socket opened under another policy is never reused here.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    async [NAME](request: ActivityRequest): Promise<HttpResult> {
      const { args, idempotencyKey } = request;
      // Every secret the request carries, with the hosts it may go to.
      const used: { name: string; hosts?: string[] }[] = [];
      const secret = (path: (string | number)[], value: unknown, what: string): string | undefined => {
        const ref = secretAt(NAME, request, path, value, what);
        if (!ref) return undefined;
        used.push(ref);
        return resolveSecret(NAME, deps.secrets, ref.name);
      };
      const urlSecret = secret(['url'], args.url, '"url"');
      if (urlSecret === undefined && typeof args.url !== 'string') throw badArguments(NAME, '"url" must be an http or https URL');
      const path = args.path === undefined ? undefined : typeof args.path === 'string' ? args.path : undefined;
      if (args.path !== undefined && path === undefined) throw badArguments(NAME, `"path" must be a string, got ${JSON.stringify(args.path)}`);
      // A URL that comes from a secret may carry credentials: messages show only the path.
      const shownBase = urlSecret !== undefined ? `{secret:${(args.url as { secret: string }).secret}}` : (args.url as string);
      let target: RequestTarget;
      try {
        target = requestTarget(urlSecret ?? (args.url as string), path);
      } catch (err) {
        if (!(err instanceof TargetRefused)) throw err;
        throw badArguments(NAME, `"url" ${err.message}${urlSecret !== undefined ? ` (check the secret ${(args.url as { secret: string }).secret})` : `: ${JSON.stringify(`${shownBase}${path ?? ''}`)}`}`);
      }
      const shown = urlSecret !== undefined ? `${shownBase}${path ?? ''}` : target.href;
      const method = typeof args.method === 'string' ? args.method.toUpperCase() : 'GET';
      const body = args.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(args.body);
      const headers: Record<string, string> = { 'idempotency-key': idempotencyKey, accept: 'application/json, */*', 'user-agent': 'hookflow', ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) };
      for (const [k, v] of Object.entries((args.headers as Record<string, unknown> | undefined) ?? {})) {
        const value = secret(['headers', k], v, `header "${k}"`) ?? v;
        if (typeof value !== 'string') throw badArguments(NAME, `header "${k}" must be a string, got ${JSON.stringify(v)}`);
        headers[k.toLowerCase()] = value;
      }
      if (args.sign !== undefined) Object.assign(headers, signature(args.sign, body ?? '', secret));
      for (const ref of used) {
        if (ref.hosts && !ref.hosts.some((h) => hostMatches(h, target))) {
          throw badArguments(NAME, `secret ${ref.name} may be sent only to ${ref.hosts.join(', ')}, not to ${target.hostname}:${target.port}`);
        }
      }
      refuseAddressLiteral(egress, target, shown);

      // A host with a limit (HOOKFLOW_HTTP_HOST_LIMITS) is called at its pace, whichever worker calls it.
      await deps.pacer?.pace(target.href);
      let res: IncomingMessage;
      let text: string;
      const signal = AbortSignal.timeout(timeoutMs(args.timeout));
      try {
        // A client span; the callee gets it as `traceparent` (tracing on), so its work joins the event's trace.
        const attributes = { 'http.request.method': method, 'url.full': shown, 'server.address': target.hostname, 'server.port': Number(target.port) };
        [res, text] = await withSpan(`${method}`, attributes, async () => {
          injectTraceHeaders(headers);
          const answer = await send(target, { method, headers, body, signal, egress, resolve: deps.resolve, agent: target.protocol === 'https:' ? agents.https : agents.http });
          annotate({ 'http.response.status_code': answer.statusCode ?? 0 });
          return [answer, await readCapped(answer, shown)] as const;
        }, { kind: SpanKind.CLIENT });
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof EgressRefused) throw ApplicationFailure.nonRetryable(`${NAME}: ${method} ${shown} refused: ${err.message}`, 'EgressRefused');
        // Network errors and timeouts: the server may be back on the next attempt.
        throw ApplicationFailure.retryable(`${NAME}: ${method} ${shown} failed: ${(err as Error).message}`, 'HttpNetworkError');
      }
      // The output lands in history: cookies the API sets stay out of it.
      const responseHeaders = Object.fromEntries(Object.entries(res.headers).filter(([name, v]) => name !== 'set-cookie' && v !== undefined).map(([name, v]) => [name, Array.isArray(v) ? v.join(', ') : String(v)]));
      const status = res.statusCode ?? 0;
      const result: HttpResult = { status, headers: responseHeaders, body: parseBody(text, res.headers['content-type'] ?? null) };
      const expected = Array.isArray(args.expectStatus) ? (args.expectStatus as number[]) : undefined;
      if (expected ? expected.includes(status) : status >= 200 && status < 300) {
        deps.log.info({ method, url: shown, status, idempotencyKey }, 'http request done');
        return result;
      }
      const message = `${NAME}: ${method} ${shown} answered ${status}: ${text.slice(0, MAX_ERROR_BODY)}`;
      const retryable = status >= 500 || status === 408 || status === 429;
      if (retryable) throw ApplicationFailure.retryable(message, 'HttpRetryableStatus');
      throw ApplicationFailure.nonRetryable(message, 'HttpClientError', { status });
    },
  };
}

/** An IP address in the URL is checked here: the socket connects to it without a lookup. */
function refuseAddressLiteral(egress: EgressPolicy, target: RequestTarget, shown: string): void {
  if (!isIP(target.hostname)) return;
  const why = refusal(egress, target.hostname, target.port);
  if (why) throw ApplicationFailure.nonRetryable(`${NAME}: ${shown} refused: ${why}`, 'EgressRefused');
}

interface SendOptions { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; egress: EgressPolicy; agent: HttpAgent; resolve?: Resolve }

/** One request, no redirects followed, connecting only where the egress policy allows. */
function send(target: RequestTarget, opts: SendOptions): Promise<IncomingMessage> {
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      auth: target.auth,
      method: opts.method,
      headers: opts.headers,
      signal: opts.signal,
      agent: opts.agent,
      lookup: checkedLookup(opts.egress, target.port, opts.resolve) as never,
    }, resolve);
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The body as text, failing (not retried) once it passes MAX_RESPONSE_BYTES, without reading the rest. */
async function readCapped(res: IncomingMessage, shown: string): Promise<string> {
  const tooLarge = (size: string) => ApplicationFailure.nonRetryable(`${NAME}: ${shown} answered ${res.statusCode} with a body of ${size}, more than ${MAX_RESPONSE_BYTES} bytes`, 'HttpResponseTooLarge');
  const declared = Number(res.headers['content-length']);
  if (declared > MAX_RESPONSE_BYTES) {
    res.destroy();
    throw tooLarge(`${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) {
      res.destroy();
      throw tooLarge('more');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** HMAC over the raw body (or "<timestamp>.<body>" with a timestamp header), as webhook providers sign. */
function signature(spec: unknown, body: string, secret: (path: (string | number)[], value: unknown, what: string) => string | undefined): Record<string, string> {
  const sign = spec as SignSpec;
  const key = sign && typeof sign === 'object' && typeof sign.secret === 'string' ? secret(['sign', 'secret'], sign.secret, '"sign.secret"') : undefined;
  if (key === undefined) throw badArguments(NAME, `"sign" must be written in the flow file with the name of a declared secret, got ${JSON.stringify(spec)}`);
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
