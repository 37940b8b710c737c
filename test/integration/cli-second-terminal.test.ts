// The README's second terminal: while `npm start` runs, bin/hookflow works in a fresh shell with
// nothing exported (no PAYMENTS_WEBHOOK_SECRET, no HOOKFLOW_ADMIN_TOKEN): the CLI knows npm
// start's development defaults. Only the addresses differ from the README, since a test never
// listens on the default ports. A source that is off is named as off, with what turns it on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeStackPorts, type StackPorts } from '../helpers/stack-ports';
import { ROOT } from '../helpers/paths';

let launcher: ChildProcess | undefined;
let ports: StackPorts;
const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-second-terminal-'));
/** Stripe's source is on in npm start's terminal (its secret set there), as the README's "Connect a provider" says. */
const STRIPE_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

before(async () => {
  ports = await freeStackPorts();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, HOOKFLOW_TOOLS_DIR: process.env.HOOKFLOW_TOOLS_DIR, HOOKFLOW_DATA_DIR: dataDir, HOOKFLOW_PRETTY_LOGS: '0', STRIPE_WEBHOOK_SECRET: STRIPE_SECRET };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  launcher = spawn(process.execPath, ['--import', 'tsx', 'devstack/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout!.on('data', (c) => { output += c; });
  launcher.stderr!.on('data', (c) => { output += c; });
  for (let i = 0; i < 900 && !output.includes('hookflow is running.'); i++) {
    assert.equal(launcher.exitCode, null, `npm start exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(output, /hookflow is running\./);
});
after(async () => {
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((resolve) => launcher!.once('exit', resolve));
    launcher.kill('SIGINT');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** bin/hookflow in a fresh shell: PATH and HOME, the addresses of this test's stack, and what `extra` adds. */
function hookflow(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, HOOKFLOW_URL: `http://127.0.0.1:${ports.PORT}`, HOOKFLOW_ADMIN_URL: `http://127.0.0.1:${ports.ADMIN_PORT}`, ...extra };
  const child = spawn(join(ROOT, 'bin/hookflow'), args, { cwd: ROOT, env });
  const result = { out: '', err: '' };
  child.stdout.on('data', (c) => { result.out += c; });
  child.stderr.on('data', (c) => { result.err += c; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...result })));
}

test('validate, send payments --new-id, deliveries and replay --candidate work with nothing exported', async () => {
  const validate = await hookflow(['validate']);
  assert.equal(validate.code, 0, validate.err);
  assert.match(validate.out, /^development default, as npm start uses it \(not in production\): PAYMENTS_WEBHOOK_SECRET$/m);
  assert.match(validate.out, /off: source stripe \(flows: stripe-payment-succeeded\) until STRIPE_WEBHOOK_SECRET is set/);

  const sent = await hookflow(['send', 'payments', 'test/fixtures/events/payment.succeeded.json', '--new-id']);
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.out, /^202 Accepted/);
  const { eventId, deliveryId } = JSON.parse(sent.out.slice(sent.out.indexOf('{'))) as { eventId: string; deliveryId: string };

  const list = await hookflow(['deliveries', 'list', '--event-id', eventId, '--since', '10m']);
  assert.equal(list.code, 0, list.err);
  assert.ok(list.out.includes(deliveryId), list.out);

  // The flows on disk are the ones running: trying them as a candidate changes nothing.
  const tried = await hookflow(['replay', '--candidate', 'flows', '--since', '10m', '--flow', 'payment-succeeded']);
  assert.equal(tried.code, 0, `${tried.out}\n${tried.err}`);
  assert.match(tried.out, /^[1-9]\d* event\(s\) tried against flows .*: 0 would change, 0 change\(s\); nothing differs beyond the allow-list/m);
});

test('send stripe --sample: off here until its secret is set, named as off; with it set, signed and accepted', async () => {
  const off = await hookflow(['send', 'stripe', '--sample', 'payment_intent.succeeded']);
  assert.equal(off.code, 1);
  assert.match(off.err, /^hookflow: source stripe is off until STRIPE_WEBHOOK_SECRET is set/);
  assert.doesNotMatch(off.err, /payments\.yaml|PAYMENTS_WEBHOOK_SECRET/, 'another source\'s secret is not this one\'s problem');

  const on = await hookflow(['send', 'stripe', '--sample', 'payment_intent.succeeded', '--new-id'], { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET });
  assert.equal(on.code, 0, on.err);
  assert.match(on.out, /^202 Accepted/);
});

test('production takes no development default: the CLI neither signs nor authenticates with one', async () => {
  const sent = await hookflow(['send', 'payments', 'test/fixtures/events/payment.succeeded.json', '--new-id'], { HOOKFLOW_ENV: 'production', HOOKFLOW_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` });
  assert.equal(sent.code, 1);
  assert.match(sent.err, /PAYMENTS_WEBHOOK_SECRET/);
  const list = await hookflow(['deliveries', 'list'], { HOOKFLOW_ENV: 'production', HOOKFLOW_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` });
  assert.equal(list.code, 1);
  assert.match(list.err, /no admin token: set HOOKFLOW_ADMIN_TOKEN/);
});
