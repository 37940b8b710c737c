// The hookflow command line, spawned as ops run it (bin/hookflow): validate on deliberately
// broken fixtures, and run --dry-run on the shipped flows with sample events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

function hookflow(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin/hookflow'), args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', PAYMENTS_WEBHOOK_SECRET: 'cli-test-secret' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('validate reports every problem of every broken fixture in one run, each with file:line:column and a hint', () => {
  const { code, err } = hookflow('validate', 'test/fixtures/broken-flows', 'test/fixtures/flows/dashed-reference.yaml');
  assert.equal(code, 1);
  const expected = [
    'language-mistakes.yaml:5:11: expression "event.body.data.amount >>"', // unparsable expression
    'language-mistakes.yaml:10:15: http.request argument "method" must be one of', // bad arguments
    'language-mistakes.yaml:21:22: expression "steps.nope.output" refers to unknown step "nope"', // unknown step reference
    'language-mistakes.yaml:25:17: duplicate step id "fetch"', // duplicate step id
    'bad-durations.yaml:7:12: /steps/0/delay must match pattern', // unparsable duration
    'many-mistakes.yaml:4:31: event type "payment.exploded" has no payload schema', // missing event schema
    'many-mistakes.yaml:3:11: unknown source "paymnets"',
    'schema-mistakes.yaml:7:11: /steps/0/uses must be equal to one of the allowed values', // unknown activity
    'not-yaml.yaml:3:1:',
    'mixed-mistakes.yaml:10:22: expression "steps.wiat.output" refers to unknown step "wiat"', // semantic, in a file with schema mistakes
    'dashed-reference.yaml:9:22: expression "steps.mark-paid.output" refers to unknown step "mark"',
  ];
  for (const e of expected) assert.ok(err.includes(`test/fixtures/${e.includes('dashed') ? 'flows' : 'broken-flows'}/${e}`), `missing: ${e}\n${err}`);
  const problems = err.split('\n').filter((l) => /^test\/fixtures\/.+:\d+:\d+: /.test(l));
  const hints = err.split('\n').filter((l) => l.startsWith('    hint: '));
  assert.equal(hints.length, problems.length, 'every problem has a hint');
  assert.match(err, new RegExp(`\\n${problems.length} problem\\(s\\) found\\.`));
});

test('validate accepts the shipped flows and the default folder', () => {
  const { code, out } = hookflow('validate', 'flows');
  assert.equal(code, 0, out);
  const shipped = readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml')).length;
  // Flows of optional provider sources whose secret is unset, and flows whose required variables
  // are unset, are checked, then listed as off (a flow may be listed both ways).
  const active = Number(/^ok: (\d+) flow\(s\)/.exec(out)?.[1]);
  const offBySource = [...out.matchAll(/^off: source \S+ \(flows: ([^)]*)\) until /gm)].flatMap((m) => m[1].split(', '));
  const offByRequires = [...out.matchAll(/^off: flow (\S+) until \S+/gm)].map((m) => m[1]);
  assert.ok(offBySource.length > 0, `the optional sources are listed as off: ${out}`);
  assert.ok(offByRequires.includes('zapier-catch-hook'), `a flow whose required variables are unset is listed as off: ${out}`);
  assert.equal(active + new Set([...offBySource, ...offByRequires]).size, shipped, out);
  assert.equal(hookflow('validate').code, 0);
});

test('run --dry-run shows the steps with resolved arguments, skipped steps and timers, with secrets as references', () => {
  const { code, out } = hookflow('run', '--dry-run', 'flows/payment-pending.yaml', 'test/fixtures/events/payment.pending.json', '--outputs', 'test/fixtures/events/outputs-provider-succeeded.json');
  assert.equal(code, 0, out);
  assert.match(out, /workflow id: payment-pending:payments:evt_pending_1/);
  const compact = out.replace(/\s+/g, '');
  assert.ok(compact.includes('▶mark-awaitingmongo.updateOne{"collection":"orders","filter":{"_id":"ord_2002"}'), out);
  assert.match(out, /⏸ wait-for-callback {2}wait 1s/);
  assert.ok(compact.includes('▶ask-providerhttp.request{"url":{"secret":"PAYMENTS_API_URL"},"path":"/payments/pay_77"'), out);
  assert.match(out, /▶ mark-paid {2}mongo.updateOne/);
  assert.match(out, /– mark-failed {2}skipped/);
  assert.match(out, /would complete\. Dry run: nothing was called, written or sent\./);
});

test('run --dry-run --fail shows compensations newest first, then onFailure', () => {
  const { code, out } = hookflow('run', '--dry-run', 'flows/order-placed.yaml', 'test/fixtures/events/order.placed.json', '--fail', 'create-shipment');
  assert.equal(code, 1, out);
  const order = ['▶ charge.compensate', '▶ reserve-stock[1].compensate', '▶ reserve-stock[0].compensate', '▶ create-order.compensate', '▶ tell-customer', '▶ log-failure'].map((s) => out.indexOf(s));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1])), out);
  assert.match(out, /would fail: create-shipment failed/);
  assert.match(out, /✗ failed at create-shipment: create-shipment failed \(simulated by --fail\); compensating 4 step\(s\), then onFailure/);
  assert.ok(out.indexOf('✗ failed at') < order[0], 'the failure is shown before its compensations');
});

test('run --dry-run says when the trigger would not start the flow, and refuses an event that breaks its schema', () => {
  const { out } = hookflow('run', '--dry-run', 'flows/payment-refunded.yaml', 'test/fixtures/events/payment.refunded-zero.json');
  assert.match(out, /would not start: its filter is false: event.body.data.amount > 0/);
  const bad = hookflow('run', '--dry-run', 'flows/payment-refunded.yaml', 'test/fixtures/events/payment.refunded-invalid.json');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /does not match schemas\/events\/payment.refunded.json/);
  assert.match(bad.err, /\/created_at: must match format "date-time"/);
  const broken = hookflow('run', '--dry-run', 'test/fixtures/broken-flows/bad-durations.yaml', 'test/fixtures/events/order.placed.json');
  assert.equal(broken.code, 1);
  assert.match(broken.err, /bad-durations.yaml:7:12/);
});

test('run --dry-run of a correlated flow: the wait times out into onTimeout, or --callback settles it', () => {
  const args = ['run', '--dry-run', 'flows/payment-created.yaml', 'test/fixtures/events/payment.created.json'];
  const timedOut = hookflow(...args, '--outputs', 'test/fixtures/events/outputs-provider-succeeded.json');
  assert.equal(timedOut.code, 0, timedOut.out);
  assert.match(timedOut.out, /workflow id: payment-created:payments:pay_bt_1 \(correlated key pay_bt_1/);
  assert.match(timedOut.out, /⏸ payment {2}wait up to 30m for payment.succeeded or payment.failed/);
  assert.match(timedOut.out, /▶ ask-provider {2}http.request[\s\S]*= outcome: reconciled[\s\S]*"confirmedBy": "reconciled"/);
  const received = hookflow(...args, '--callback', 'test/fixtures/events/payment.succeeded-bank-transfer.json');
  assert.equal(received.code, 0, received.out);
  assert.match(received.out, /received payment.succeeded evt_bt_paid_1 \(--callback\)\n {2}= outcome: received/);
  assert.doesNotMatch(received.out, /ask-provider/);
  const callback = hookflow('run', '--dry-run', 'flows/payment-created.yaml', 'test/fixtures/events/payment.succeeded-bank-transfer.json');
  assert.match(callback.out, /"payment.succeeded" is a callback for that run/);
});

test('run --dry-run reads the event id and type as the ingress does: from --header, with the source\'s rules', () => {
  const dirs = ['--sources', 'test/fixtures/ingress/sources', '--schemas', 'test/fixtures/ingress/schemas'];
  // GitHub: type = X-GitHub-Event + "." + the body's action, id = X-GitHub-Delivery.
  const github = hookflow('run', '--dry-run', 'test/fixtures/ingress/flows/github.yaml', 'test/fixtures/events/github.issues-closed.json', ...dirs,
    '--header', 'X-GitHub-Event: issues', '--header', 'X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958');
  assert.equal(github.code, 0, github.out + github.err);
  assert.match(github.out, /← issues\.closed 72d3162e-cc78-11e3-81ab-4c9367dc0958 from github/);
  assert.match(github.out, /would not start: it starts on issues\.opened, not "issues\.closed"/);
  // Shopify: the topic's slashes read as dots; the webhook id is the event id.
  const shopify = hookflow('run', '--dry-run', 'test/fixtures/ingress/flows/shopify.yaml', 'test/fixtures/events/shopify.orders-create.json', ...dirs,
    '--header', 'X-Shopify-Topic: orders/create', '--header', 'X-Shopify-Webhook-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
  assert.equal(shopify.code, 0, shopify.out + shopify.err);
  assert.match(shopify.out, /← orders\.create b54557e4-bdd9-4b37-8a5f-bf7d70bcd043 from shopify/);
  assert.match(shopify.out, /workflow id: shopify-received:shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043/);
});
