// Development defaults shared by `npm start` (devstack/) and the CLI (cli/): never used in production.

/** The local payments-provider sandbox npm start runs when PAYMENTS_API_URL is not set. */
export const PAYMENTS_SANDBOX = {
  port: 8099,
  portVariable: 'HOOKFLOW_PAYMENTS_SANDBOX_PORT',
  token: 'Bearer dev-sandbox-token',
  statuses: ['pending', 'succeeded', 'failed', 'expired', 'cancelled'],
  /** The sandbox is also the ledger (payment-refunded) when LEDGER_API_URL is not set. */
  ledgerToken: 'Bearer dev-ledger-token',
  ledgerSigningSecret: 'dev-ledger-signing-secret',
} as const;

/** npm start's webhook secret and admin token when none are set (printed in the README). */
export const DEV_WEBHOOK_SECRET = 'dev-secret-change-me';
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

/** Values printed in the README or the source: a production process refuses any of them (lib/config.ts). */
export const DEV_DEFAULT_VALUES: readonly string[] = [DEV_WEBHOOK_SECRET, DEV_ADMIN_TOKEN, PAYMENTS_SANDBOX.token, PAYMENTS_SANDBOX.token.replace(/^Bearer /, ''), PAYMENTS_SANDBOX.ledgerToken, PAYMENTS_SANDBOX.ledgerToken.replace(/^Bearer /, ''), PAYMENTS_SANDBOX.ledgerSigningSecret];
