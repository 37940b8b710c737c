// hookflow sandbox: sets what the local payments sandbox (npm start) reports for a payment, so a
// reconciliation flow can be tried with each answer the provider could give.
import { PAYMENTS_SANDBOX } from '../../lib/dev-defaults';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'set a payment\'s status in the local payments sandbox (npm start)',
  usage: `hookflow sandbox payment PAYMENT_ID STATUS [--url URL]

Sets what GET /payments/PAYMENT_ID answers in the payments sandbox npm start runs when
PAYMENTS_API_URL is not set. STATUS: ${PAYMENTS_SANDBOX.statuses.join(', ')}. A payment never set
reports succeeded. Events sent to the payments source set it too: one with data.payment_id and one
of those statuses in data.status (e.g. a payment.created); the latest of event and command wins.
--url (or PAYMENTS_API_URL) names the sandbox (default http://127.0.0.1:${PAYMENTS_SANDBOX.port});
PAYMENTS_API_TOKEN is sent as Authorization (default the development token).
Exit: 0 set, 1 refused or unreachable, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args);
    const [what, id, status] = parsed.positional;
    if (what !== 'payment' || !id || !status || parsed.positional.length > 3) throw new UsageError(this.usage);
    if (!(PAYMENTS_SANDBOX.statuses as readonly string[]).includes(status)) throw new UsageError(`STATUS must be one of ${PAYMENTS_SANDBOX.statuses.join(', ')}`);
    const base = stringOption(parsed, 'url') ?? process.env.PAYMENTS_API_URL ?? `http://127.0.0.1:${PAYMENTS_SANDBOX.port}`;
    const url = `${base.replace(/\/$/, '')}/payments/${encodeURIComponent(id)}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: process.env.PAYMENTS_API_TOKEN ?? PAYMENTS_SANDBOX.token }, body: JSON.stringify({ status }) });
    } catch (err) {
      throw new Error(`cannot reach the payments sandbox at ${url} (${(err as Error).message}); is npm start running? set --url`);
    }
    const text = await res.text();
    (res.ok ? console.log : console.error)(`${res.status} ${text}`);
    return res.ok ? 0 : 1;
  },
};
