// The codec endpoint on the admin listener, in Temporal's codec-server convention, so the Temporal
// Web UI (and `temporal --codec-endpoint`) show operators decrypted payloads:
//   POST /codec/decode   {"payloads": [{"metadata": {k: base64}, "data": base64}]} → the same shape, decrypted
//   POST /codec/encode   refused (403): see below
// Who may call it is decided by the admin listener's guard (access.ts): the admin token as a bearer
// (the CLI: --codec-auth "Bearer <token>"), or the console's session cookie from the Temporal UI's
// origin (the UI's "include cross-origin credentials" codec setting; it cannot send our token).
// CORS answers only that origin.
// /encode is not offered: the worker runs only payloads an operator key wrote, so an encoder
// reachable with the admin token would let whoever holds it author runs (any flow, with the
// worker's secrets). Decoding reads nothing an admin cannot already read in the console.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Payload } from '@temporalio/common';
import { HookflowError, MalformedBodyError } from '../../lib/errors';
import type { PayloadKeys } from '../../lib/payload-codec';
import { EncryptionCodec } from '../../lib/payload-codec';
import { readBody } from '../http';

export const CODEC_PATH = '/codec';
/** A UI batch of payloads; Temporal caps one payload at 2 MiB by default. */
const MAX_CODEC_BODY = 8 * 1024 * 1024;

export interface CodecSettings {
  keys?: PayloadKeys;
  /** The Temporal UI's URL (TEMPORAL_UI_URL): its origin is the one CORS allows. */
  temporalUiUrl: string;
}

/** The UI's origin, and its loopback twin (127.0.0.1 and localhost name the same dev UI). */
export function codecOrigins(temporalUiUrl: string): string[] {
  const url = new URL(temporalUiUrl);
  const origins = [url.origin];
  const twin = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (twin) origins.push(`${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`);
  return origins;
}

export function createCodecRouter(settings: CodecSettings): Router {
  const router = new Router({ prefix: CODEC_PATH });
  const origins = new Set(codecOrigins(settings.temporalUiUrl));
  // The endpoint shows a payload it cannot open as it is (plaintext from before encryption, or a stranger's).
  const codec = settings.keys && new EncryptionCodec(settings.keys, { plaintext: 'keep', refused: (_reason, payload) => payload });

  const cors = (ctx: Context): boolean => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    if (!origins.has(origin)) return false;
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Credentials', 'true');
    return true;
  };

  router.options(['/decode', '/encode'], (ctx) => {
    if (cors(ctx)) {
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization, Authorization-Extras');
      ctx.set('Access-Control-Max-Age', '600');
    }
    ctx.status = 204;
  });

  router.post('/decode', async (ctx) => {
    cors(ctx);
    if (!codec) throw new HookflowError('codec_off', 404, 'payloads are not encrypted here: HOOKFLOW_PAYLOAD_KEYS is not set');
    const payloads = parsePayloads(await readBody(ctx.req, MAX_CODEC_BODY));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { payloads: (await codec.decode(payloads)).map(payloadJson) };
  });

  router.post('/encode', (ctx) => {
    cors(ctx);
    throw new HookflowError('codec_encode_refused', 403, 'hookflow does not encode payloads for clients: a run is authentic only when the ingress wrote it (start or signal runs through the ingress, replay them with the admin API)');
  });

  return router;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytes(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new MalformedBodyError(`${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

/** Temporal's JSON form of payloads: metadata values and data in base64. */
export function parsePayloads(raw: Buffer): Payload[] {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MalformedBodyError('the body must be JSON: {"payloads": [...]}');
  }
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw new MalformedBodyError('the body must be {"payloads": [...]}');
  return list.map((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) throw new MalformedBodyError(`payloads[${i}] must be an object`);
    const { metadata = {}, data } = p as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null) throw new MalformedBodyError(`payloads[${i}].metadata must be an object`);
    const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, bytes(v, `payloads[${i}].metadata.${k}`)]));
    return { metadata: meta, ...(data !== undefined && data !== null && { data: bytes(data, `payloads[${i}].data`) }) };
  });
}

export function payloadJson(p: Payload): { metadata: Record<string, string>; data?: string } {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]));
  return { metadata, ...(p.data && { data: Buffer.from(p.data).toString('base64') }) };
}
