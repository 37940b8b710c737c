// Records workflow histories of the shipped flows (flows/*.yaml) on a fresh real stack, into
// test/fixtures/histories/, for the replay test. Re-record after an intended, compatible change:
//   npm run record-histories              (all of them)
//   npm run record-histories -- NAME...   (only these, e.g. payment-created, order-updated-continued)
// Never re-record to silence a replay failure: that failure means in-flight runs would break.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { startTestStack, ROOT } from '../helpers/stack';
import { postEvent } from '../helpers/events';
import { startFakeApi } from '../helpers/fake-api';
import { TEST_TASK_QUEUE } from '../helpers/stack';
import { createScheduleSync } from '../../server/schedules/sync';
import { shortenedFlows } from '../helpers/short-flows';
import { CORRELATED_WORKFLOW_TYPE, ENTITY_WORKFLOW_TYPE, EVENT_SIGNAL, FLOW_WORKFLOW_TYPE, type CorrelatedRunInput, type EntityRunInput, type EventDelivery, type FlowRunInput } from '../../engine/contract';
import { COLLECT_WORKFLOW_TYPE, type CollectControl, type CollectRunInput } from '../../engine/collect-contract';
import { GATE_QUERY, GATED_WORKFLOW_TYPE, gateControlsOf, gateWorkflowId, type GateRunInput, type GateState } from '../../engine/controls';
import type { FakeApi } from '../helpers/fake-api';
import { signatureHeaders } from '../../verification/sign';
import { outboundDeliveredOnce, recordingDestinations } from './outbound-recording';

const OUT = join(ROOT, 'test/fixtures/histories');
const sample = (name: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/events', `${name}.json`), 'utf8'));

/** One recording per shipped flow path worth replaying: happy paths, a saga failure, a delay. */
const recordings: {
  name: string; event: Record<string, any>; edit?: (e: Record<string, any>) => void; psp: 'ok' | 'declined' | 'down-once';
  /** The flow whose run is recorded (default: the one the recording is named after, else the first run). */
  flow?: string;
  /** Events posted after the first one (callbacks of a correlated run). */
  then?: Record<string, any>[];
}[] = [
  { name: 'payment-succeeded', event: sample('payment.succeeded'), psp: 'ok' },
  { name: 'payment-refunded', event: sample('payment.refunded'), psp: 'ok' },
  { name: 'order-placed', event: sample('order.placed'), psp: 'ok' },
  { name: 'order-placed-declined', event: sample('order.placed'), edit: (e) => { e.id = 'evt_order_declined'; e.data.order_id = 'ord_declined'; }, psp: 'declined' },
  { name: 'payment-pending', event: sample('payment.pending'), psp: 'ok' },
  { name: 'payment-created', event: sample('payment.created'), then: [sample('payment.succeeded-bank-transfer')], psp: 'ok' },
  // No callback: the (shortened) wait times out, the provider is down for round 1 and answers in round 2.
  { name: 'payment-created-reconciled', event: sample('payment.created'), edit: (e) => { e.id = 'evt_created_2'; e.data.payment_id = 'pay_bt_2'; }, psp: 'down-once' },
  { name: 'order-updated', event: sample('order.updated'), psp: 'ok' },
  // Another event id: payment-succeeded's recording takes the sample's own.
  { name: 'zapier-catch-hook', event: sample('payment.succeeded'), edit: (e) => { e.id = 'evt_paid_zapier'; }, psp: 'ok' },
];
/** The provider examples (samples/ bodies, signed as each provider does); headers the preset reads. */
const PROVIDER_SECRETS = { STRIPE_WEBHOOK_SECRET: 'whsec_recording', GITHUB_WEBHOOK_SECRET: 'recording', SHOPIFY_WEBHOOK_SECRET: 'recording', SLACK_SIGNING_SECRET: 'recording' };
const providerRecordings: { name: string; source: string; sample: string; headers?: Record<string, string> }[] = [
  { name: 'stripe-payment-succeeded', source: 'stripe', sample: 'stripe/payment_intent.succeeded' },
  { name: 'github-notify-slack', source: 'github', sample: 'github/pull_request.closed', headers: { 'x-github-event': 'pull_request', 'x-github-delivery': 'recording-delivery-1' } },
  { name: 'shopify-order-created', source: 'shopify', sample: 'shopify/orders.create', headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'recording-webhook-1' } },
  { name: 'slack-app-mention', source: 'slack', sample: 'slack/app_mention' },
];

/** Names given on the command line: record only those. */
const only = process.argv.slice(2);
const wanted = (name: string) => !only.length || only.includes(name);

async function main() {
  const temporal = ensureTool(TOOLS.temporal);
  const api = await startFakeApi();
  Object.assign(process.env, { LEDGER_API_URL: `${api.url}/ledger`, LEDGER_API_TOKEN: 'recording', LEDGER_SIGNING_SECRET: 'recording', PAYMENTS_API_URL: `${api.url}/psp`, PAYMENTS_API_TOKEN: 'recording' });
  // The worker reads these from process.env; the flows that require them are on only when the
  // stack's definitions see them too.
  const flowVariables = {
    SLACK_INCOMING_WEBHOOK_URL: `${api.url}/slack-hook`, SLACK_API_URL: `${api.url}/slack-api`, SLACK_BOT_AUTHORIZATION: 'Bearer recording',
    ZAPIER_CATCH_HOOK_URL: `${api.url}/zapier-hook`, ZAPIER_SIGNING_SECRET: 'recording',
  };
  Object.assign(process.env, flowVariables);
  const flows = shortenedFlows();
  // Plaintext: the fixtures stay readable, and the replay test decodes them without keys.
  const destinations = recordingDestinations(api.url);
  const stack = await startTestStack({ flowsDir: flows.dir, destinationsDir: destinations.dir, env: { ...PROVIDER_SECRETS, ...flowVariables }, payloads: false });
  try {
    await stack.db.collection<{ _id: string; stock: number }>('inventory').insertMany([{ _id: 'SKU-TSHIRT', stock: 100 }, { _id: 'SKU-MUG', stock: 100 }]);
    await stack.db.collection<{ _id: string; status: string }>('orders').insertMany([{ _id: 'ord_1001', status: 'pending' }, { _id: 'ord_2003', status: 'paid' }]);
    mkdirSync(OUT, { recursive: true });
    const save = (name: string, workflowId: string) => {
      // The Temporal CLI writes the standard JSON history format that Worker.runReplayHistories reads.
      const [id, runId] = workflowId.split('#'); // "<workflow id>#<run id>": that run, not the latest
      const json = execFileSync(temporal, ['workflow', 'show', '--address', stack.services.temporalAddress, '--workflow-id', id, ...(runId ? ['--run-id', runId] : []), '--output', 'json', '--no-json-shorthand-payloads'], { encoding: 'utf8' });
      writeFileSync(join(OUT, `${name}.json`), json);
      console.log(`recorded ${name} (${workflowId})`);
    };
    for (const r of recordings.filter((rec) => wanted(rec.name))) {
      r.edit?.(r.event);
      let pspCalls = 0;
      api.handler = (req) => {
        if (req.path === '/psp/charges') return r.psp === 'ok' ? { status: 201, body: { id: 'ch_1' } } : { status: 402, body: { error: 'card_declined' } };
        if (req.path.startsWith('/psp/payments/')) return r.psp === 'down-once' && ++pspCalls <= 2 ? { status: 503 } : { status: 200, body: { status: 'succeeded' } };
        return { status: 200, body: {} };
      };
      const res = await postEvent(stack.ingressUrl, r.event);
      if (res.status !== 202) throw new Error(`${r.name}: the ingress answered ${res.status} ${JSON.stringify(res.body)}`);
      for (const next of r.then ?? []) await postEvent(stack.ingressUrl, next);
      const runs = res.body.runs as { flow: string; workflowId: string }[];
      // payment.succeeded starts payment-succeeded and zapier-catch-hook: record the one named.
      const handle = stack.client.workflow.getHandle((runs.find((run) => run.flow === (r.flow ?? r.name)) ?? runs[0])!.workflowId);
      await handle.result().catch(() => undefined); // a failed run is a history worth replaying too
      save(r.name, handle.workflowId);
    }
    if (wanted('order-updated-continued')) save('order-updated-continued', await entityContinuedOnce(stack));
    if (wanted('gate-continued')) save('gate-continued', await gateContinuedOnce(stack));
    if (wanted('gate-rechecked')) save('gate-rechecked', await gateRecheckedOnce(stack, api));
    if (wanted('payment-succeeded-replayed')) save('payment-succeeded-replayed', await replayedOnce(stack));
    if (wanted('payment-created-trigger-missing')) save('payment-created-trigger-missing', await triggerMissingOnce(stack));
    for (const r of providerRecordings.filter((rec) => wanted(rec.name))) {
      api.handler = () => ({ status: 200, body: { ok: true } });
      const source = stack.definitions.sources.get(r.source)!;
      const raw = Buffer.from(readFileSync(join(ROOT, 'samples', `${r.sample}.json`)));
      const headers = { 'content-type': 'application/json', ...r.headers, ...signatureHeaders(source.verify, raw, { secret: source.verify.secrets[0]!.value }) };
      const res = await fetch(`${stack.ingressUrl}/webhooks/${r.source}`, { method: 'POST', headers, body: raw });
      const body = (await res.json()) as { runs: { workflowId: string }[] };
      if (res.status !== 202) throw new Error(`${r.name}: the ingress answered ${res.status} ${JSON.stringify(body)}`);
      const handle = stack.client.workflow.getHandle(body.runs[0]!.workflowId);
      await handle.result();
      save(r.name, handle.workflowId);
    }
    for (const [name, id] of await collectorRuns(stack)) if (wanted(name)) save(name, id);
    if (wanted('payment-succeeded-order-late')) save('payment-succeeded-order-late', await lateOrderOnce(stack));
    if (wanted('payment-sweep')) {
      api.handler = (req) => ({ status: 200, body: { id: req.path.split('/').pop(), status: 'succeeded' } });
      save('payment-sweep', await sweepOnce(stack));
    }
    if (wanted('outbound-delivered')) {
      api.handler = () => ({ status: 200, body: { received: true } });
      save('outbound-delivered', await outboundDeliveredOnce(stack, 'outbound-delivered'));
    }
  } finally {
    await stack.stop();
    await api.close();
    flows.remove();
    destinations.remove();
  }
}

/**
 * The first run of an order-updated entity queue that continues as new: three events queued, one
 * per run. Its history holds the continue-as-new, with what it carries.
 */
async function entityContinuedOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  const flow = stack.definitions.flows.find((f) => f.name === 'order-updated')!;
  const events = [1, 2, 3].map((n) => ({ id: `evt_entity_${n}`, type: 'order.updated', source: 'payments', receivedAt: '2026-11-23T10:00:00.000Z', body: { ...sample('order.updated'), id: `evt_entity_${n}`, data: { order_id: 'ord_entity', status: `s${n}` } } }));
  const handle = await stack.client.workflow.start(ENTITY_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: 'order-updated:payments:ord_entity',
    // Each event's own run id given, as the ingress gives it (replay renames the queue's workflow id).
    args: [{ flow: flow.name, source: 'payments', key: 'ord_entity', queue: events.map((event) => ({ event, flow, workflowId: `order-updated:payments:ord_entity:${event.id}` })), maxEventsPerRun: 1 } satisfies EntityRunInput],
  });
  await handle.result();
  return `${handle.workflowId}#${handle.firstExecutionRunId}`;
}

/**
 * The first run of a gate (order-updated with concurrency and throttle instead of its entityKey)
 * that continues as new: two events carried in, three signalled, two at a time, three starts per
 * run. Its history holds slots, throttle timers, signals, the drain and the continue-as-new.
 */
async function gateContinuedOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  const shipped = stack.definitions.flows.find((f) => f.name === 'order-updated')!;
  const flow = { ...shipped, entityKey: undefined, concurrency: { limit: 2 }, throttle: { limit: 4, period: '1s' } };
  const events = [1, 2, 3, 4, 5].map((n) => ({ id: `evt_gate_${n}`, type: 'order.updated', source: 'payments', receivedAt: '2026-11-23T10:00:00.000Z', body: { ...sample('order.updated'), id: `evt_gate_${n}`, data: { order_id: 'ord_gate', status: `s${n}` } } }));
  const own = (id: string) => `order-updated:payments:${id}`;
  const handle = await stack.client.workflow.start(GATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: gateWorkflowId(flow, 'payments', ''),
    args: [{
      flow: flow.name, source: 'payments', key: '', controls: gateControlsOf(flow), flows: { [flow.version]: flow }, maxStartsPerRun: 3,
      queue: events.slice(0, 2).map((event) => ({ event, flowVersion: flow.version, workflowId: own(event.id) })),
    } satisfies GateRunInput],
  });
  for (const event of events.slice(2)) await handle.signal<[EventDelivery]>(EVENT_SIGNAL, { event, flow, workflowId: own(event.id) });
  await handle.result();
  return `${handle.workflowId}#${handle.firstExecutionRunId}`;
}

/**
 * The first run of a gate that, while it drained for continue-as-new, was signalled more than it
 * may carry (hookflow-gate-recheck-after-drain): it starts the surplus itself, then continues as
 * new with what fits. The partner API answers 503 until the burst is in, so the first child holds
 * the gate's only slot meanwhile.
 */
async function gateRecheckedOnce(stack: Awaited<ReturnType<typeof startTestStack>>, api: FakeApi): Promise<string> {
  const shipped = stack.definitions.flows.find((f) => f.name === 'order-updated')!;
  const flow = {
    ...shipped, version: `${shipped.version}-held`, entityKey: undefined, concurrency: { limit: 1 },
    steps: [{ id: 'tell-partner', uses: 'http.request', with: { url: `${api.url}/gate-held`, method: 'POST', body: { id: '{{ event.id }}' } }, retry: { maximumAttempts: 1000, initialInterval: '200ms', backoffCoefficient: 1 } }],
  };
  let held = true;
  api.handler = (req) => (req.path === '/gate-held' && held ? { status: 503 } : { status: 200, body: {} });
  const events = [1, 2, 3, 4, 5, 6].map((n) => ({ id: `evt_gate_held_${n}`, type: 'order.updated', source: 'payments', receivedAt: '2026-11-23T10:00:00.000Z', body: { ...sample('order.updated'), id: `evt_gate_held_${n}`, data: { order_id: 'ord_gate_held', status: `s${n}`, note: 'n'.repeat(1000) } } }));
  const own = (id: string) => `order-updated:payments:${id}`;
  const handle = await stack.client.workflow.start(GATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: gateWorkflowId(flow, 'payments', 'held'),
    args: [{
      flow: flow.name, source: 'payments', key: 'held', controls: gateControlsOf(flow), flows: { [flow.version]: flow }, maxStartsPerRun: 1, maxCarriedBytes: 3000,
      queue: events.slice(0, 2).map((event) => ({ event, flowVersion: flow.version, workflowId: own(event.id) })),
    } satisfies GateRunInput],
  });
  while ((await handle.query<GateState>(GATE_QUERY)).status !== 'draining') await new Promise((r) => setTimeout(r, 100));
  for (const event of events.slice(2)) await handle.signal<[EventDelivery]>(EVENT_SIGNAL, { event, flow, workflowId: own(event.id) });
  while ((await handle.query<GateState>(GATE_QUERY)).waiting !== 5) await new Promise((r) => setTimeout(r, 100));
  held = false;
  await handle.result();
  return `${handle.workflowId}#${handle.firstExecutionRunId}`;
}

/** A replay of payment-succeeded's run: it keeps the original's step keys (hookflow-replay-keeps-effect-keys), so its effects are found applied. */
async function replayedOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  const flow = stack.definitions.flows.find((f) => f.name === 'payment-succeeded')!;
  const original = 'payment-succeeded:payments:evt_paid_1';
  const body = sample('payment.succeeded');
  const input: FlowRunInput = { flow, event: { id: body.id, type: body.type, source: 'payments', receivedAt: '2026-11-23T09:00:00.000Z', body }, effectKeysOf: original };
  const handle = await stack.client.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId: `${original}:replay:1`, args: [input] });
  await handle.result();
  return handle.workflowId;
}

/** A payment-created run started by a callback whose payment.created never comes (triggerTimeout 1s): it ends quietly (hookflow-quiet-missing-trigger). */
async function triggerMissingOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  const shipped = stack.definitions.flows.find((f) => f.name === 'payment-created')!;
  const flow = { ...shipped, correlation: { ...shipped.correlation!, triggerTimeout: '1s' } };
  const body = { ...sample('payment.succeeded-bank-transfer'), id: 'evt_no_trigger' };
  body.data = { ...body.data, payment_id: 'pay_no_trigger' };
  const event = { id: body.id, type: body.type, source: 'payments', receivedAt: '2026-11-23T09:00:00.000Z', body };
  const handle = await stack.client.workflow.signalWithStart(CORRELATED_WORKFLOW_TYPE, {
    taskQueue: TEST_TASK_QUEUE, workflowId: 'payment-created:payments:pay_no_trigger',
    args: [{ flow, source: 'payments', key: 'pay_no_trigger' } satisfies CorrelatedRunInput], signal: EVENT_SIGNAL, signalArgs: [{ event }],
  });
  await handle.result();
  return handle.workflowId;
}

/**
 * A payment for an order created only after the first attempt: mark-order-paid (a local step)
 * fails with DocumentNotFound, waits for its next attempt on a durable timer (issue 25: a
 * retrying step holds no workflow-task slot), then succeeds. Its history holds the failure
 * marker and the timer.
 */
async function lateOrderOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  const paid = sample('payment.succeeded');
  const event = { ...paid, id: 'evt_paid_late', data: { ...paid.data, order_id: 'ord_late', payment_id: 'pay_late' } };
  const res = await postEvent(stack.ingressUrl, event);
  if (res.status !== 202) throw new Error(`payment-succeeded-order-late: the ingress answered ${res.status} ${JSON.stringify(res.body)}`);
  const handle = stack.client.workflow.getHandle((res.body.runs as { flow: string; workflowId: string }[]).find((r) => r.flow === 'payment-succeeded')!.workflowId);
  for (const deadline = Date.now() + 60_000; ;) {
    const events = (await handle.fetchHistory()).events ?? [];
    if (events.some((e) => e.markerRecordedEventAttributes?.failure) && events.some((e) => e.timerStartedEventAttributes)) break;
    if (Date.now() > deadline) throw new Error('payment-succeeded-order-late: no failed attempt followed by a timer within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: 'ord_late', status: 'pending' });
  await handle.result();
  return handle.workflowId;
}

/** A scheduled run of payment-sweep that finds one stale payment: synced, then triggered. */
async function sweepOnce(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<string> {
  await stack.db.collection<{ _id: string; [k: string]: unknown }>('orders').insertOne({ _id: 'ord_stale', status: 'awaiting-payment', paymentId: 'pay_stale', awaitingSince: '2026-01-01T00:00:00.000Z' });
  const report = await createScheduleSync({ client: stack.client, taskQueue: TEST_TASK_QUEUE, log: console })(stack.definitions.flows);
  if (report.failed.length) throw new Error(`schedule sync failed: ${JSON.stringify(report.failed)}`);
  const schedule = stack.client.schedule.getHandle('hookflow:payment-sweep');
  await schedule.trigger();
  let actions = (await schedule.describe()).info.recentActions;
  while (!actions.length) {
    await new Promise((r) => setTimeout(r, 100));
    actions = (await schedule.describe()).info.recentActions;
  }
  const { workflowId } = actions[0].action.workflow;
  await stack.client.workflow.getHandle(workflowId).result();
  await schedule.delete();
  return workflowId;
}


/**
 * Collectors of order-updated with a debounce or batch added (no shipped flow has one): a
 * debounce collector that continues as new once (three events, one per run at most two) and the
 * run after it, which starts the last event's run; a batch collector of three events with
 * maxSize 2 (a run of two at once, then one by timeout).
 */
async function collectorRuns(stack: Awaited<ReturnType<typeof startTestStack>>): Promise<[string, string][]> {
  if (!['collector-debounce', 'collector-debounce-continued', 'collector-batch', 'collector-debounce-out-of-order'].some(wanted)) return [];
  const base = stack.definitions.flows.find((f) => f.name === 'order-updated')!;
  const collect = async (control: CollectControl, maxEventsPerRun?: number, label: string = control) => {
    const flow = { ...base, version: `${base.version}-${control}`, entityKey: undefined, ...(control === 'debounce' ? { debounce: { key: 'event.body.data.order_id', period: '1s' } } : { batch: { maxSize: 2, timeout: '1s' } }) };
    const deliveries: EventDelivery[] = [1, 2, 3].map((n) => {
      const id = `evt_${label}_${n}`;
      // out-of-order: the last signal carries the event received first (a relay after an outage).
      const receivedAt = label === 'out-of-order' ? ['2026-11-23T10:00:01.000Z', '2026-11-23T10:00:02.000Z', '2026-11-23T10:00:00.000Z'][n - 1] : '2026-11-23T10:00:00.000Z';
      const event = { id, type: 'order.updated', source: 'payments', receivedAt, body: { ...sample('order.updated'), id, data: { order_id: `ord_${label}`, status: `s${n}` } } };
      return { event, flow, workflowId: `order-updated:payments:${id}` };
    });
    const workflowId = `order-updated:payments:${control}:ord_${label}`;
    const args = [{ flow: flow.name, source: 'payments', key: `ord_${label}`, control, ...(maxEventsPerRun && { maxEventsPerRun }) } satisfies CollectRunInput];
    const handle = await stack.client.workflow.signalWithStart(COLLECT_WORKFLOW_TYPE, { taskQueue: TEST_TASK_QUEUE, workflowId, args, signal: EVENT_SIGNAL, signalArgs: [deliveries[0]] });
    for (const d of deliveries.slice(1)) await handle.signal(EVENT_SIGNAL, d);
    const first = handle.signaledRunId;
    await handle.result();
    return { workflowId, first, last: (await handle.describe()).runId };
  };
  const debounce = await collect('debounce', 2);
  const batch = await collect('batch');
  const outOfOrder = await collect('debounce', undefined, 'out-of-order');
  return [
    ['collector-debounce-out-of-order', `${outOfOrder.workflowId}#${outOfOrder.first}`],
    ['collector-debounce-continued', `${debounce.workflowId}#${debounce.first}`],
    ['collector-debounce', `${debounce.workflowId}#${debounce.last}`],
    ['collector-batch', `${batch.workflowId}#${batch.first}`],
  ];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
