// The payments sandbox as `npm start` and `npm run cluster` run it: on its port unless
// PAYMENTS_API_URL names a real API, reading the ingress's delivery records, and the ledger too
// unless LEDGER_API_URL is set. It fills in the env the ingress and workers are started with.
import { MongoClient } from 'mongodb';
import { PAYMENTS_SANDBOX } from '../lib/dev-defaults';
import { type PaymentsSandbox, startPaymentsSandbox } from './payments-sandbox';

export interface StartedSandbox {
  sandbox?: PaymentsSandbox;
  /** The ledger payment-refunded tells is the sandbox's /ledger. */
  ledgerInSandbox: boolean;
  stop(): Promise<void>;
}

export async function startSandboxIfWanted(env: NodeJS.ProcessEnv, port: number | undefined, mongodbUri: string, mongodbDb: string): Promise<StartedSandbox> {
  if (!port) return { ledgerInSandbox: false, stop: async () => undefined };
  env.PAYMENTS_API_TOKEN ||= PAYMENTS_SANDBOX.token;
  // The sandbox reads the ingress's delivery records (server/deliveries/record.ts names the
  // collection) to take payment statuses from the events you send.
  const mongo = new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5000 });
  const deliveries = mongo.db(mongodbDb).collection('hookflow_deliveries');
  const ledger = env.LEDGER_API_URL ? undefined : {
    token: (env.LEDGER_API_TOKEN ||= PAYMENTS_SANDBOX.ledgerToken),
    signingSecret: (env.LEDGER_SIGNING_SECRET ||= PAYMENTS_SANDBOX.ledgerSigningSecret),
  };
  const sandbox = await startPaymentsSandbox({ port, token: env.PAYMENTS_API_TOKEN, deliveries, ledger }).catch(async (err) => { await mongo.close(); throw err; });
  env.PAYMENTS_API_URL = sandbox.url;
  // http.request refuses loopback unless allowed: the worker may call the sandbox, and nothing else on this machine.
  env.HOOKFLOW_EGRESS_ALLOW = [env.HOOKFLOW_EGRESS_ALLOW, `127.0.0.1:${new URL(sandbox.url).port}`].filter(Boolean).join(',');
  if (ledger) env.LEDGER_API_URL = `${sandbox.url}/ledger`;
  return { sandbox, ledgerInSandbox: !!ledger, stop: async () => { await sandbox.close(); await mongo.close(); } };
}
