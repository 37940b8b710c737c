// The shape of a source once loaded: verification with resolved secrets, where the event id and
// type are read, network policy and limits. Pure types.
import type { BlockList } from 'node:net';

export type PresetScheme =
  | 'stripe' | 'github' | 'shopify' | 'standard-webhooks' | 'slack' | 'zoom' | 'paddle' | 'twilio' | 'square'
  | PublicKeyScheme;
/** Providers that sign with a private key: the source holds their public key, not a shared secret. */
export type PublicKeyScheme = 'discord' | 'sendgrid';

export type VerificationScheme = PresetScheme | 'hmac';

/** A resolved secret. `ref` names where it came from (env var or file) for messages; never the value. */
export interface Secret {
  ref: string;
  value: Buffer;
  expiresAt?: Date;
}

export interface HmacVerification {
  scheme: 'hmac';
  header: string;
  algorithm: 'sha256' | 'sha1' | 'sha512';
  encoding: 'hex' | 'base64';
  prefix: string;
  timestampHeader?: string;
  /** The signature header is made of key=value parts (Paddle: "ts=…;h1=…"): which part is which. */
  parts?: SignatureParts;
  signedPayload: string;
  toleranceSeconds: number;
  /** In the order listed; any one that has not expired is accepted (rotation). */
  secrets: Secret[];
}

export interface SignatureParts {
  /** Between the parts (";" for Paddle, "," for Stripe); "=" separates a key from its value. */
  separator: string;
  /** The key of the signature part; it may appear several times (any may match). */
  signature: string;
  /** The key of the signed timestamp part, when there is one. */
  timestamp?: string;
}

export interface PresetVerification {
  scheme: PresetScheme;
  toleranceSeconds: number;
  /** Shared secrets; for discord and sendgrid the provider's public keys (DER, SubjectPublicKeyInfo). */
  secrets: Secret[];
  /** twilio, square: the URL registered with the provider (scheme, host, path); a proxy in front changes what the ingress sees. */
  publicUrl?: string;
}

export type Verification = HmacVerification | PresetVerification;

/** Where a value is read: a header, or a dot path in the body; `appendPath` adds ".<value>" when present. */
export interface FieldSource {
  header?: string;
  path?: string;
  /** A fixed value (SendGrid batches have no type of their own). */
  value?: string;
  /** Read instead when this one is absent (Svix's svix-id where webhook-id is not sent). */
  or?: FieldSource;
  appendPath?: string;
  /** Shopify topics (orders/create) read as orders.create, like every other event type and schema file name. */
  slashesToDots?: boolean;
}

export interface NetworkPolicy {
  allow: BlockList;
  /** Peers whose X-Forwarded-For is believed; without them the socket address is the client. */
  trustedProxies?: BlockList;
}

/**
 * A provider's check that the endpoint is really ours, answered instead of starting a run:
 * Slack's url_verification, Zoom's endpoint.url_validation, Discord's PING, and the GET
 * subscription check of Meta/WhatsApp-style providers (hub.mode=subscribe).
 */
export type HandshakeType = 'slack-url-verification' | 'zoom-url-validation' | 'discord-ping' | 'hub-subscribe';

export type Handshake =
  | { type: Exclude<HandshakeType, 'hub-subscribe'> }
  | { type: 'hub-subscribe'; verifyTokens: Secret[] };

export interface SourceDefinition {
  name: string;
  verify: Verification;
  /** Handshakes this source answers (a preset's by default); empty for none. */
  handshakes: Handshake[];
  event: { id: FieldSource; type: FieldSource };
  network?: NetworkPolicy;
  maxBodyBytes: number;
  /** How the body is read besides JSON objects: Twilio posts forms, SendGrid posts a JSON array (read as {events: [...]}). */
  body: BodyFormat;
  /** Where events carry their version, and the upcasts between versions (docs/sources.md "Versions"). */
  versions?: SourceVersions;
}

/** Exactly one of header, path or url says where the version is. */
export interface SourceVersions {
  header?: string;
  path?: string;
  /** POST /webhooks/<source>/<version>. */
  url?: true;
  /** The version of an event that carries none. */
  default?: string;
  /** Event type → version → the upcast from that version's body to the next version's. */
  upcast: Record<string, Record<string, Upcast>>;
}

export interface Upcast {
  /** JSONata over the older body ($), giving the next version's body. */
  expression: string;
  /** The next version (the one the expression's result is). */
  to: string;
  /** Where it is written, for problems found later (hookflow validate checks it on the schema's examples). */
  at: { file: string; line: number; column: number };
}

export interface BodyFormat { form?: boolean; arrayAs?: string }
