// A small payments-provider API on loopback for `npm start`: the reconciliation flows
// (payment-created, payment-sweep) ask it for a payment's status, order-placed charges and refunds
// through it. A payment it was not told about reports the default status (succeeded), so every
// shipped flow completes locally; `hookflow sandbox payment <id> <status>` sets one, and so do the
// events you send (payment-events.ts).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Collection } from 'mongodb';
import { type SentPayments, followSentPayments } from './payment-events';
import { type LedgerOptions, type LedgerRefund, ledgerAnswer } from './ledger-sandbox';
import { readBody } from './request-body';

import { PAYMENTS_SANDBOX } from '../lib/dev-defaults';

const PAYMENT_STATUSES: readonly string[] = PAYMENTS_SANDBOX.statuses;

export interface PaymentsSandbox {
  url: string;
  /** Status by payment id, as set through the API (the CLI) since start. */
  payments: Map<string, string>;
  /** Refunds recorded under /ledger (when `ledger` is given). */
  refunds: LedgerRefund[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  port: number;
  token: string;
  defaultStatus?: string;
  /** The ingress's delivery records: accepted events of the payments source set statuses too. */
  deliveries?: Collection;
  /** Also stand in for the ledger (LEDGER_API_URL = <url>/ledger) with this token and signing secret. */
  ledger?: LedgerOptions;
}

export async function startPaymentsSandbox(o: SandboxOptions): Promise<PaymentsSandbox> {
  const payments = new Map<string, string>();
  const refunds: LedgerRefund[] = [];
  const sent = o.deliveries ? followSentPayments(o.deliveries, payments) : undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const answered = o.ledger && path.startsWith('/ledger/')
      ? ledgerAnswer(req, path, o.ledger, refunds).then((a) => send(res, a.status, a.body))
      : answer(req, res, payments, o, sent);
    void answered.catch(() => send(res, 500, { error: 'sandbox error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, payments, refunds, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function answer(req: IncomingMessage, res: ServerResponse, payments: Map<string, string>, o: SandboxOptions, sent?: SentPayments): Promise<void> {
  if (req.headers.authorization !== o.token) return send(res, 401, { error: 'Authorization must be PAYMENTS_API_TOKEN' });
  const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
  const payment = /^\/payments\/([\w.:-]{1,200})$/.exec(path);
  // Events sent before this request count first, so the latest word (event or CLI) wins.
  if (payment) await sent?.catchUp();
  if (payment && req.method === 'GET') {
    return send(res, 200, { id: payment[1], status: payments.get(payment[1]!) ?? o.defaultStatus ?? 'succeeded' });
  }
  if (payment && req.method === 'PUT') {
    const status = (await readJson(req))?.status;
    if (typeof status !== 'string' || !PAYMENT_STATUSES.includes(status)) return send(res, 400, { error: `status must be one of ${PAYMENT_STATUSES.join(', ')}` });
    payments.set(payment[1]!, status);
    return send(res, 200, { id: payment[1], status });
  }
  if (path === '/charges' && req.method === 'POST') {
    const body = (await readJson(req)) ?? {};
    return send(res, 201, { id: `ch_${randomUUID().slice(0, 12)}`, status: 'succeeded', amount: body.amount, currency: body.currency, order: body.order });
  }
  const refund = /^\/charges\/([\w-]{1,200})\/refund$/.exec(path);
  if (refund && req.method === 'POST') return send(res, 200, { id: refund[1], status: 'refunded' });
  return send(res, 404, { error: `no sandbox route for ${req.method} ${path.slice(0, 200)}` });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const raw = await readBody(req);
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw.toString('utf8') || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
