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
