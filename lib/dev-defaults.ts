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

/**
 * Every port `npm start` listens on, by the variable that moves it, with its default. The first three
 * are lib/config.ts's (the ingress, the worker's ops listener, the admin listener); the others are the
 * embedded services' and the sandbox's. Tests give each of these a free port, so that a developer's
 * `npm start` on the defaults can run beside them.
 */
export const STACK_PORTS = {
  PORT: 3000,
  WORKER_OPS_PORT: 3001,
  ADMIN_PORT: 3002,
  HOOKFLOW_TEMPORAL_PORT: 7233,
  HOOKFLOW_TEMPORAL_UI_PORT: 8233,
  HOOKFLOW_MONGO_PORT: 27017,
  HOOKFLOW_SMTP_PORT: 2525,
  [PAYMENTS_SANDBOX.portVariable]: PAYMENTS_SANDBOX.port,
} as const;

/** Values printed in the README or the source: a production process refuses any of them (lib/config.ts). */
export const DEV_DEFAULT_VALUES: readonly string[] = [DEV_WEBHOOK_SECRET, DEV_ADMIN_TOKEN, PAYMENTS_SANDBOX.token, PAYMENTS_SANDBOX.token.replace(/^Bearer /, ''), PAYMENTS_SANDBOX.ledgerToken, PAYMENTS_SANDBOX.ledgerToken.replace(/^Bearer /, ''), PAYMENTS_SANDBOX.ledgerSigningSecret];
