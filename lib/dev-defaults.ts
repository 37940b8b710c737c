// Development defaults shared by `npm start` (devstack/) and the CLI (cli/): never used in production.

/** The payments source's webhook secret under `npm start` and `npm run cluster`, unless PAYMENTS_WEBHOOK_SECRET is set. */
export const DEV_WEBHOOK_SECRET = 'dev-secret-change-me';
/** The admin API's token in development; production sets its own or leaves it off. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

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
