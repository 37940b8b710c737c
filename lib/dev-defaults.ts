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
