// Secrets and key pairs for the provider fixtures (test/fixtures/providers), fresh per test run:
// the environment the fixture sources read, and the private keys that sign for discord and sendgrid.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const ed25519 = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

export const KEYS = {
  discordPrivate: ed25519.privateKey,
  /** As Discord shows it: the raw 32-byte key in hex. */
  discordPublicHex: Buffer.from(ed25519.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex'),
  sendgridPrivate: p256.privateKey,
  /** As SendGrid shows it: the DER SubjectPublicKeyInfo in base64. */
  sendgridPublicBase64: p256.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
};

export const PROVIDER_ENV = {
  SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
  ZOOM_SECRET_TOKEN: randomBytes(16).toString('base64url'),
  PADDLE_WEBHOOK_SECRET: `pdl_ntfset_${randomBytes(12).toString('hex')}`,
  SVIX_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
  SQUARE_SIGNATURE_KEY: randomBytes(16).toString('base64url'),
  DISCORD_PUBLIC_KEY: KEYS.discordPublicHex,
  SENDGRID_VERIFICATION_KEY: KEYS.sendgridPublicBase64,
  META_APP_SECRET: randomBytes(16).toString('hex'),
  META_VERIFY_TOKEN: `verify-${randomBytes(8).toString('hex')}`,
};
