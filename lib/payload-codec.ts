// Payload encryption for everything hookflow sends through Temporal: event bodies, flow
// definitions, step inputs and outputs are AES-256-GCM ciphertext in Temporal's history, its
// database and its Web UI. Temporal's codec convention: the whole serialised payload is encrypted
// into a payload whose metadata says `encoding: binary/encrypted` and names the key
// (`encryption-key-id`), so keys rotate: the first key encrypts, every listed key decrypts.
// Authenticated encryption doubles as authentication of runs: only holders of a key (the
// ingress, the worker, the admin tools) can write a payload the worker accepts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from './errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface PayloadKeys {
  /** The key id new payloads are encrypted with (the first one listed). */
  readonly active: string;
  /** Every key a payload may have been encrypted with, by id. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** "k2:<base64>,k1:<base64>": 32-byte keys by id, the first one encrypts. */
export function parsePayloadKeys(raw: string, name = 'HOOKFLOW_PAYLOAD_KEYS'): PayloadKeys {
  const keys = new Map<string, Buffer>();
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/_-]+={0,2})$/.exec(part);
    if (!m) throw new ConfigError(`${name} must list id:base64-key pairs separated by commas (e.g. k2:$(openssl rand -base64 32),k1:…), the first encrypting; got an entry "${part.slice(0, 12)}…"`);
    const key = Buffer.from(m[2], m[2].includes('-') || m[2].includes('_') ? 'base64url' : 'base64');
    if (key.length !== KEY_BYTES) throw new ConfigError(`${name}: key "${m[1]}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`);
    if (keys.has(m[1])) throw new ConfigError(`${name}: key id "${m[1]}" is listed twice`);
    keys.set(m[1], key);
  }
  const active = keys.keys().next().value;
  if (active === undefined) throw new ConfigError(`${name} lists no key: set id:base64-key pairs (openssl rand -base64 32)`);
  return Object.freeze({ active, keys });
}

/** A fresh key list of one key, in HOOKFLOW_PAYLOAD_KEYS form (the dev stack and the tests). */
export function generatePayloadKeys(id = 'dev'): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** Why a payload is not one an operator key wrote, or the payload inside. */
export type Opened = { payload: Payload } | { refused: string; plaintext: boolean };

export class PayloadCipher {
  constructor(readonly keys: PayloadKeys) {}

  encrypt(payload: Payload): Payload {
    const id = this.keys.active;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys.get(id)!, iv).setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final()]);
    return {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id), [CIPHER_METADATA]: Buffer.from(CIPHER) },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  open(payload: Payload): Opened {
    const encoding = text(payload.metadata?.encoding);
    if (encoding !== ENCRYPTED_ENCODING) return { refused: `payload not encrypted with an operator key (encoding ${encoding ?? 'none'})`, plaintext: true };
    const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.keys.keys.get(id);
    if (!key) return { refused: `payload encrypted with unknown key id "${id.slice(0, 64)}"`, plaintext: false };
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) return { refused: 'encrypted payload too short', plaintext: false };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const clear = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return { payload: temporal.api.common.v1.Payload.decode(clear) as Payload };
    } catch {
      return { refused: `encrypted payload failed authentication with key "${id}" (altered, or written with another key)`, plaintext: false };
    }
  }
}

const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export interface CodecPolicy {
  /** Payloads written without encryption (before the upgrade, or by someone without a key): kept as they are, or refused. */
  plaintext: 'keep' | 'refuse';
  /** What a refused payload decodes to; by default decoding throws. */
  refused?: (reason: string, payload: Payload) => Payload;
}

/** Throws: a client reading a payload it cannot trust (the ingress, the CLI). */
const throwRefused = (reason: string): never => {
  throw new Error(`cannot decode a Temporal payload: ${reason}`);
};

/** The PayloadCodec of every Temporal client and worker hookflow builds (lib/payload-codec.ts). */
export class EncryptionCodec implements PayloadCodec {
  private readonly cipher: PayloadCipher;
  constructor(keys: PayloadKeys, private readonly policy: CodecPolicy = { plaintext: 'keep' }) {
    this.cipher = new PayloadCipher(keys);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.cipher.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const opened = this.cipher.open(p);
      if ('payload' in opened) return opened.payload;
      if (opened.plaintext && this.policy.plaintext === 'keep') return p;
      return (this.policy.refused ?? throwRefused)(opened.refused, p);
    });
  }
}
