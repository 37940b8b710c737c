// Payload encryption (lib/payload-codec.ts): AES-256-GCM with the key id in the metadata, keys
// rotated by listing a new one first, and what each side does with a payload no key wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, generatePayloadKeys, parsePayloadKeys } from '../../lib/payload-codec';
import { refuseUnauthenticatedActivities, workerDataConverter } from '../../worker/payload-guard';
import { UNAUTHENTICATED_FAILURE, unauthenticatedReason } from '../../engine/unauthenticated';

const k1 = generatePayloadKeys('k1');
const k2 = generatePayloadKeys('k2');
const event = { customer: { email: 'ada@example.com' }, amount: 4500 };
const plain = (): Payload => defaultPayloadConverter.toPayload(event)!;
const meta = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString();

test('a payload is encrypted under the active key, names it, hides its content, and decodes back', async () => {
  const codec = new EncryptionCodec(parsePayloadKeys(k1));
  const [enc] = await codec.encode([plain()]);
  assert.equal(meta(enc!, 'encoding'), ENCRYPTED_ENCODING);
  assert.equal(meta(enc!, KEY_ID_METADATA), 'k1');
  assert.ok(!Buffer.from(enc!.data!).includes('ada@example.com'));
  const [dec] = await codec.decode([enc!]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(dec!), event);
  const [again] = await codec.encode([plain()]);
  assert.notDeepEqual(again!.data, enc!.data, 'a fresh IV per payload');
});

test('rotation: written with k1, still read once k2 encrypts; new payloads use k2; k1 removed, they are refused', async () => {
  const [old] = await new EncryptionCodec(parsePayloadKeys(k1)).encode([plain()]);
  const rotated = new EncryptionCodec(parsePayloadKeys(`${k2},${k1}`));
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), event);
  assert.equal(meta((await rotated.encode([plain()]))[0]!, KEY_ID_METADATA), 'k2');
  await assert.rejects(new EncryptionCodec(parsePayloadKeys(k2)).decode([old!]), /unknown key id "k1"/);
});

test('an altered ciphertext, or one written by another key under the same id, is refused', async () => {
  const codec = new EncryptionCodec(parsePayloadKeys(k1));
  const [enc] = await codec.encode([plain()]);
  const data = Buffer.from(enc!.data!);
  data[20] ^= 1;
  await assert.rejects(codec.decode([{ ...enc!, data }]), /failed authentication/);
  const [other] = await new EncryptionCodec(parsePayloadKeys(generatePayloadKeys('k1'))).encode([plain()]);
  await assert.rejects(codec.decode([other!]), /failed authentication/);
});

test('clients keep plaintext payloads (histories from before encryption); the worker turns them into a refusal marker', async () => {
  assert.deepEqual(await new EncryptionCodec(parsePayloadKeys(k1)).decode([plain()]), [plain()]);
  const [codec] = workerDataConverter({ keys: parsePayloadKeys(k1) }).payloadCodecs!;
  const marked = defaultPayloadConverter.fromPayload((await codec!.decode([plain()]))[0]!);
  assert.match(unauthenticatedReason([marked]) ?? '', /not encrypted with an operator key/);
  const [migrating] = workerDataConverter({ keys: parsePayloadKeys(k1), acceptPlaintext: true }).payloadCodecs!;
  assert.deepEqual(await migrating!.decode([plain()]), [plain()]);
  const [forged] = await new EncryptionCodec(parsePayloadKeys(generatePayloadKeys('k1'))).encode([plain()]);
  assert.match(unauthenticatedReason([defaultPayloadConverter.fromPayload((await migrating!.decode([forged!]))[0]!)]) ?? '', /failed authentication/, 'the migration switch accepts plaintext, never a wrong key');
});

test('HOOKFLOW_PAYLOAD_KEYS is checked: 32-byte keys, unique ids, the first encrypts; production refuses to start without it', () => {
  const keys = loadConfig({ HOOKFLOW_PAYLOAD_KEYS: ` ${k2} , ${k1} ` }).payloadKeys!;
  assert.equal(keys.active, 'k2');
  assert.deepEqual([...keys.keys.keys()], ['k2', 'k1']);
  assert.equal(loadConfig({ HOOKFLOW_PAYLOAD_KEYS: `u:${randomBytes(32).toString('base64url')}` }).payloadKeys!.keys.get('u')!.length, 32);
  const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
  refused({ HOOKFLOW_PAYLOAD_KEYS: `k1:${randomBytes(16).toString('base64')}` }, /^HOOKFLOW_PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32/);
  refused({ HOOKFLOW_PAYLOAD_KEYS: `${k1},${k1}` }, /^HOOKFLOW_PAYLOAD_KEYS: key id "k1" is listed twice/);
  refused({ HOOKFLOW_PAYLOAD_KEYS: 'secret' }, /^HOOKFLOW_PAYLOAD_KEYS must list id:base64-key pairs/);
  refused({ HOOKFLOW_PAYLOAD_KEYS: ' , ' }, /^HOOKFLOW_PAYLOAD_KEYS lists no key/);
  refused({ NODE_ENV: 'production' }, /^HOOKFLOW_PAYLOAD_KEYS must be set in production/);
  refused({ HOOKFLOW_ACCEPT_PLAINTEXT_RUNS: 'yes' }, /^HOOKFLOW_ACCEPT_PLAINTEXT_RUNS must be 0 or 1/);
  assert.equal(loadConfig({}).payloadKeys, undefined);
  assert.equal(loadConfig({ NODE_ENV: 'production', HOOKFLOW_PAYLOAD_KEYS: k1 }).payloadKeys!.active, 'k1');
});

test('an activity whose input no key wrote (a foreign workflow on hookflow\'s task queue) is refused before it runs', async () => {
  const [codec] = workerDataConverter({ keys: parsePayloadKeys(k1) }).payloadCodecs!;
  const forgedArgs = [defaultPayloadConverter.fromPayload((await codec!.decode([plain()]))[0]!)];
  const { inbound } = refuseUnauthenticatedActivities({} as never);
  let ran = 0;
  const next = async () => { ran++; return 'done'; };
  await assert.rejects(inbound!.execute!({ args: forgedArgs, headers: {} }, next), (err: unknown) =>
    err instanceof ApplicationFailure && err.nonRetryable && err.type === UNAUTHENTICATED_FAILURE && /activity refused/.test(err.message));
  assert.equal(ran, 0);
  assert.equal(await inbound!.execute!({ args: [{ args: {}, idempotencyKey: 'k' }], headers: {} }, next), 'done');
  assert.equal(ran, 1);
});
