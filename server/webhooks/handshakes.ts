// Provider handshakes: the checks a provider makes before (or besides) sending events, answered
// exactly as it requires, after the request was verified like any other. None starts a run.
import { HandshakeError, SignatureError } from '../../lib/errors';
import type { Handshake, SourceDefinition } from '../../definitions/source-types';
import { activeSecrets, hmac, safeEqual } from '../../verification/common';

export interface HandshakeAnswer {
  /** Recorded as the delivery's event type: url_verification, endpoint.url_validation, … */
  eventType: string;
  body: string | Record<string, unknown>;
}

const MAX_TOKEN = 1024;
const has = (source: SourceDefinition, type: Handshake['type']) => source.handshakes.find((h) => h.type === type);

/** The answer when a verified POST body is one of the source's handshakes, else undefined. */
export function postHandshake(source: SourceDefinition, body: Record<string, unknown>, now: Date): HandshakeAnswer | undefined {
  if (has(source, 'slack-url-verification') && body.type === 'url_verification') {
    // https://api.slack.com/events/url_verification: answer the challenge.
    return { eventType: 'url_verification', body: { challenge: token(body.challenge, 'challenge') } };
  }
  if (has(source, 'zoom-url-validation') && body.event === 'endpoint.url_validation') {
    // Zoom: plainToken back, with encryptedToken = hex HMAC-SHA256 of it keyed by the secret token.
    const payload = body.payload as Record<string, unknown> | undefined;
    const plainToken = token(payload?.plainToken, 'payload.plainToken');
    const encryptedToken = hmac('sha256', zoomSecret(source, now), plainToken).toString('hex');
    return { eventType: 'endpoint.url_validation', body: { plainToken, encryptedToken } };
  }
  if (has(source, 'discord-ping') && body.type === 1) {
    // Discord interactions: a PING (type 1) is answered with a PONG (type 1).
    return { eventType: 'ping', body: { type: 1 } };
  }
  return undefined;
}

/** GET /webhooks/<source>: the subscription check (hub.mode=subscribe) echoes hub.challenge. */
export function getHandshake(source: SourceDefinition, query: Record<string, string | string[] | undefined>, now: Date): HandshakeAnswer {
  const hub = has(source, 'hub-subscribe');
  if (!hub || hub.type !== 'hub-subscribe') throw new HandshakeError('handshake_unknown', `source "${source.name}" answers no GET handshake (handshakes: [hub-subscribe] is not configured)`);
  const mode = single(query['hub.mode']);
  if (mode !== 'subscribe') throw new HandshakeError('handshake_unknown', `hub.mode must be "subscribe", got ${mode === undefined ? 'none' : `"${mode.slice(0, 40)}"`}`);
  const given = single(query['hub.verify_token']);
  if (!given) throw new SignatureError('signature_missing', 'missing hub.verify_token');
  const match = activeSecrets(hub.verifyTokens, now).reduce((ok, t) => safeEqual(t, Buffer.from(given)) || ok, false);
  if (!match) throw new SignatureError('signature_invalid', 'hub.verify_token does not match');
  return { eventType: 'hub.subscribe', body: token(single(query['hub.challenge']), 'hub.challenge') };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? undefined : v;
}

function token(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value || value.length > MAX_TOKEN) throw new HandshakeError('handshake_invalid', `${what} must be a non-empty string of at most ${MAX_TOKEN} characters`);
  return value;
}

function zoomSecret(source: SourceDefinition, now: Date): Buffer {
  return activeSecrets(source.verify.secrets, now)[0]!;
}
