// hookflow replay --candidate on the real stack: events stored by the ingress and run by the worker
// (payloads encrypted), then the CLI, spawned as an operator runs it, tries a changed copy of the
// flows against them: a changed template (reading a step output the original run recorded), a
// removed step and a changed filter give a diff and exit 1; an unchanged copy exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TEST_ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack';
import { postEvent, uid } from '../helpers/events';
import { loadDefinitions } from '../../definitions/definitions';

let stack: TestStack;
let dir: string;
const flowsDir = () => join(dir, 'flows');
const FLOW = 'payment-succeeded.yaml';
const card = uid('evt_card');
const bank = uid('evt_bank');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookflow-candidate-'));
  mkdirSync(flowsDir());
  copyFileSync(join(ROOT, 'flows', FLOW), join(flowsDir(), FLOW));
  stack = await startTestStack({ flowsDir: flowsDir() });
  await stack.db.collection<{ _id: string; status: string }>('orders').insertOne({ _id: 'ord_1001', status: 'new' });
  await stack.db.collection<{ _id: string; stock: number }>('inventory').insertMany([{ _id: 'SKU-TSHIRT', stock: 100 }, { _id: 'SKU-MUG', stock: 100 }]);
  const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/events', name), 'utf8')) as Record<string, unknown>;
  // A card payment the flow runs (to completion, so its result holds every step's output) ...
  const paid = await postEvent(stack.ingressUrl, { ...fixture('payment.succeeded.json'), id: card });
  assert.equal(paid.status, 202, JSON.stringify(paid.body));
  await stack.client.workflow.getHandle(paid.body.runs[0].workflowId).result();
  // ... and a bank transfer its filter leaves alone (stored as ignored).
  const ignored = await postEvent(stack.ingressUrl, { ...fixture('payment.succeeded-bank-transfer.json'), id: bank });
  assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
});
after(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function hookflow(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(join(ROOT, 'bin/hookflow'), args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', HOOKFLOW_ADMIN_URL: stack.adminUrl, HOOKFLOW_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
  const result = { out: '', err: '' };
  child.stdout.on('data', (c) => { result.out += c; });
  child.stderr.on('data', (c) => { result.err += c; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...result })));
}

/** A copy of the flows folder with the flow file edited. */
function candidate(name: string, edit: (yaml: string) => string): string {
  const to = join(dir, name);
  mkdirSync(to);
  const original = readFileSync(join(flowsDir(), FLOW), 'utf8');
  const edited = edit(original);
  if (edited !== original) assert.notEqual(edited, original);
  writeFileSync(join(to, FLOW), edited);
  return to;
}

function replace(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  assert.notEqual(out, text, `the flow file no longer has ${String(from)}`);
  return out;
}

/** The candidate of the tests: a changed template, a removed step, a changed filter. */
const changedFlow = (yaml: string) => {
    // The template reads an output of the original run, from its result in Temporal (decoded).
    let y = replace(yaml, 'subject: "Payment received for order {{ event.body.data.order_id }}"', `subject: "Paid: order {{ event.body.data.order_id }} (applied {{ steps.\`mark-order-paid\`.output.applied }})"`);
    y = replace(y, /\n {2}- id: decrement-inventory\n[\s\S]*?timeout: 10s\n/, '\n');
  return replace(y, "filter: $not(event.body.data.method = 'bank_transfer')", "filter: event.body.data.amount > 0");
};

test('a changed template, a removed step and a changed filter: each shown, exit 1', async () => {
  const changed = candidate('changed', changedFlow);
  const run = await hookflow(['replay', '--candidate', changed, '--since', '1h', '--diff']);
  assert.equal(run.code, 1, `${run.out}\n${run.err}`);
  assert.equal(run.err, '', 'the candidate loads');
  const section = (eventId: string) => run.out.slice(run.out.indexOf(`payments:${eventId}`)).split(/\n(?=\S)/)[0];
  const cardDiff = section(card);
  assert.match(cardDiff, /~ email-customer \(email\.send\) subject: "Payment received for order ord_1001" → "Paid: order ord_1001 \(applied true\)"/, run.out);
  assert.match(cardDiff, /- decrement-inventory\[0\] \(mongo\.updateOne\) no longer runs/);
  assert.match(cardDiff, /- decrement-inventory\[1\] \(mongo\.updateOne\) no longer runs/);
  assert.doesNotMatch(cardDiff, /mark-order-paid/, 'an unchanged step is not listed');
  assert.match(section(bank), /would start now \(before, its filter is false: \$not\(event\.body\.data\.method = 'bank_transfer'\)\): mark-order-paid, email-customer, completed/, run.out);
  assert.match(run.out, /2 event\(s\) tried against .* 2 would change, 4 change\(s\); 4 not allowed/);

  // The allow-list: what is allowed is marked, and only what is not keeps the exit at 1.
  const allowed = await hookflow(['replay', '--candidate', changed, '--since', '1h', '--allow', 'payment-succeeded/email-customer/args.*', '--allow', 'payment-succeeded/decrement-inventory[*]/removed']);
  assert.equal(allowed.code, 1, allowed.out);
  assert.match(allowed.out, /~ email-customer: 1 argument\(s\) differ \(subject\) {2}\(allowed\)/);
  assert.match(allowed.out, /4 change\(s\), 3 allowed; 1 not allowed/);
  const file = join(dir, 'allow.txt');
  writeFileSync(file, '# expected by this change\npayment-succeeded/email-customer/args.subject\npayment-succeeded/decrement-inventory[*]/removed\npayment-succeeded/starts\n');
  const all = await hookflow(['replay', '--candidate', changed, '--since', '1h', '--allow', file]);
  assert.equal(all.code, 0, all.out);
  assert.match(all.out, /nothing differs beyond the allow-list/);
});

test('an unchanged copy of the flows: nothing differs, exit 0', async () => {
  const same = candidate('same', (yaml) => yaml);
  const run = await hookflow(['replay', '--candidate', same, '--since', '1h', '--diff']);
  assert.equal(run.code, 0, `${run.out}\n${run.err}`);
  assert.match(run.out, /^2 event\(s\) tried against .* \(1 flow\(s\) ran on them\): 0 would change, 0 change\(s\); nothing differs beyond the allow-list/m);
});

test('a candidate with a broken flow is refused with its problems, and a time in the future is a usage error', async () => {
  const broken = candidate('broken', (yaml) => replace(yaml, 'uses: email.send', 'uses: email.sned'));
  const run = await hookflow(['replay', '--candidate', broken, '--since', '1h']);
  assert.equal(run.code, 1, run.out);
  assert.match(run.err, /payment-succeeded\.yaml:\d+:\d+/);
  const future = await hookflow(['replay', '--candidate', flowsDir(), '--since', new Date(Date.now() + 3_600_000).toISOString().slice(0, 16) + 'Z']);
  assert.equal(future.code, 2, future.err);
  assert.match(future.err, /in the future/);
});

test('console: the event page offers "try against the flows on disk", which shows the same diff against what the run executed', async () => {
  const login = await fetch(`${stack.adminUrl}/console/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: TEST_ADMIN_TOKEN }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const eventPage = await (await fetch(`${stack.adminUrl}/console/deliveries/${encodeURIComponent(`payments:${card}`)}`, { headers: { cookie } })).text();
  const href = /<a href="([^"]+)" id="try-on-disk">Try against the flows on disk<\/a>/.exec(eventPage)?.[1];
  assert.equal(href, `/console/deliveries/${encodeURIComponent(`payments:${card}`)}/try`);

  const same = await (await fetch(`${stack.adminUrl}${href}`, { headers: { cookie } })).text();
  assert.match(same, /<p class="ok" id="what-if">Nothing would change\.<\/p>/);
  // The ingress reloads its flows from disk when a file changes: here the changed file is "saved".
  const flows = stack.definitions.flows;
  const before = [...flows];
  const edited = candidate('console', changedFlow);
  flows.splice(0, flows.length, ...loadDefinitions({ flowsDir: edited, sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') }, 'unchecked').flows);
  try {
    const res = await fetch(`${stack.adminUrl}${href}`, { headers: { cookie } });
    assert.equal(res.status, 200);
    const diff = /<pre id="what-if">([\s\S]*?)<\/pre>/.exec(await res.text())?.[1] ?? '';
    assert.match(diff, /- decrement-inventory\[0\] \(mongo\.updateOne\) no longer runs/);
    assert.match(diff, /~ email-customer \(email\.send\) subject: &quot;Payment received for order ord_1001&quot; → &quot;Paid: order ord_1001 \(applied true\)&quot;/);
  } finally {
    flows.splice(0, flows.length, ...before);
  }
});
