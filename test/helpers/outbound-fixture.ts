// An outbound fixture folder (flows/ and destinations/) on a real stack: a loopback receiver per
// destination, the signing secrets and URLs its destination files name (OUTBOUND_<NAME>_URL and
// the given key names, fresh whsec_ values) put in process.env, and a stack that loads the folder.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from './paths';
import { type TestStack, startTestStack } from './stack';
import { type WebhookReceiver, startWebhookReceiver } from './webhook-receiver';

export const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface OutboundFixture<N extends string> {
  stack: TestStack;
  receivers: Record<N, WebhookReceiver>;
  /** Each key name's secret, to verify what a receiver got. */
  secrets: Record<string, string>;
  stop(): Promise<void>;
}

/** `prepare` runs once the receivers listen, before the stack starts (e.g. one answers 500). */
export async function startOutboundFixture<N extends string>(folder: string, names: readonly N[], keyNames: readonly string[], prepare?: (receivers: Record<N, WebhookReceiver>) => void): Promise<OutboundFixture<N>> {
  const receivers = {} as Record<N, WebhookReceiver>;
  for (const name of names) receivers[name] = await startWebhookReceiver(`/hooks/${name}`);
  prepare?.(receivers);
  const secrets = Object.fromEntries(keyNames.map((k) => [k, whsec()]));
  Object.assign(process.env, secrets, Object.fromEntries(names.map((n) => [`OUTBOUND_${n.toUpperCase()}_URL`, receivers[n].url])));
  const closeReceivers = async () => {
    for (const r of Object.values<WebhookReceiver>(receivers)) await r.close();
  };
  const stack = await startTestStack({ flowsDir: join(folder, 'flows'), destinationsDir: join(folder, 'destinations') }).catch(async (err) => {
    await closeReceivers();
    throw err;
  });
  return {
    stack, receivers, secrets,
    async stop() {
      await stack.stop();
      await closeReceivers();
    },
  };
}

/** test/fixtures/outbound: five destinations, `flaky` answering 500, alpha signing with two keys (a rotation). */
export const OUTBOUND_EXAMPLE = {
  folder: join(ROOT, 'test/fixtures/outbound'),
  names: ['alpha', 'beta', 'gamma', 'flaky', 'paced'] as const,
  keys: ['OUTBOUND_ALPHA_NEW', 'OUTBOUND_ALPHA_OLD', 'OUTBOUND_BETA_KEY', 'OUTBOUND_GAMMA_KEY', 'OUTBOUND_FLAKY_KEY'] as const,
};

export const startOutboundExample = () => startOutboundFixture(OUTBOUND_EXAMPLE.folder, OUTBOUND_EXAMPLE.names, OUTBOUND_EXAMPLE.keys, (r) => r.flaky.answer(500));
