// Secrets are named by the flow file only: a payload whose value renders into { "secret": NAME }
// in a templated header (or url, or sign) never makes http.request read NAME. The flow runs
// through the interpreter into the real activity, against a loopback API that records requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { executeFlow } from '../../engine/interpreter';
import type { StepRuntime } from '../../engine/run-context';
import type { FlowDefinition, StepDefinition } from '../../engine/types';
import { httpActivities } from '../../activities/http';
import { parseEgressAllow } from '../../lib/egress';
import { staticSecretRefs } from '../../engine/secret-refs';
import { startFakeApi, type FakeApi } from '../helpers/fake-api';

let api: FakeApi;
before(async () => { api = await startFakeApi(); });
after(async () => { await api.close(); });

const VALUE = 'the-temporal-api-key-value';
const env: Record<string, string> = { TEMPORAL_API_KEY: VALUE, API_TOKEN: 'Bearer declared-token' };
const activities = () => httpActivities({ log: pino({ level: 'silent' }), secrets: (n) => env[n], egress: parseEgressAllow('127.0.0.1') });

/** The interpreter with the guards new runs get, calling http.request in a mock activity context. */
function runtime(): StepRuntime {
  return {
    async callActivity(call, args, label, secrets) {
      const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
      return env.run(activities()['http.request'], { args, idempotencyKey: `wf/${label}`, ...(secrets && { secrets }) });
    },
    async sleep() {},
    cleanup: (fn) => fn(),
    report: () => {},
    expressionFailure: (step, err) => new Error(`step ${step}: ${err.message}`),
    guards: true,
  };
}

const flowOf = (step: Partial<StepDefinition>, secrets?: FlowDefinition['secrets']): FlowDefinition => ({
  name: 'f', version: 'v', trigger: { source: 's', events: ['x'] }, ...(secrets && { secrets }),
  steps: [{ id: 'call', uses: 'http.request', ...step } as StepDefinition],
});
const eventWith = (body: unknown) => ({ id: 'e1', type: 'x', source: 's', receivedAt: '2026-12-06T08:00:00Z', body });

test('a payload value shaped like a secret reference, placed in a templated header, is never resolved', async () => {
  const before = api.requests.length;
  const step = { with: { url: api.url, path: '/note', headers: { 'X-Note': '{{ event.body.note }}' } } };
  await assert.rejects(executeFlow({ flow: flowOf(step), event: eventWith({ note: { secret: 'TEMPORAL_API_KEY' } }) }, runtime()), /X-Note|header/i);
  const seen = api.requests.slice(before);
  assert.ok(!JSON.stringify(seen).includes(VALUE), `the API received the secret's value: ${JSON.stringify(seen)}`);
});

test('nor in a templated sign (the key would sign what the payload chose)', async () => {
  const before = api.requests.length;
  const step = { with: { url: api.url, method: 'POST', body: { a: 1 }, sign: '{{ event.body.sign }}' } };
  await assert.rejects(executeFlow({ flow: flowOf(step), event: eventWith({ sign: { secret: 'TEMPORAL_API_KEY' } }) }, runtime()), /sign/);
  assert.equal(api.requests.length, before, 'nothing was sent');
});

test('a secret the flow file names is resolved only when the flow declares it', async () => {
  const step = { with: { url: api.url, path: '/ok', headers: { Authorization: { secret: 'API_TOKEN' } } } };
  api.handler = () => ({ status: 200, body: {} });
  await executeFlow({ flow: flowOf(step, ['API_TOKEN']), event: eventWith({}) }, runtime());
  assert.equal(api.requests.at(-1)!.headers.authorization, env.API_TOKEN);
  const before = api.requests.length;
  await assert.rejects(executeFlow({ flow: flowOf({ with: { url: api.url, headers: { Authorization: { secret: 'TEMPORAL_API_KEY' } } } }, ['API_TOKEN']), event: eventWith({}) }, runtime()), /TEMPORAL_API_KEY.*not declared|declare/);
  assert.equal(api.requests.length, before, 'nothing was sent');
});

test('a declared secret with hosts goes only to those hosts', async () => {
  const step = { with: { url: api.url, headers: { Authorization: { secret: 'API_TOKEN' } } } };
  const port = new URL(api.url).port;
  await executeFlow({ flow: flowOf(step, [{ name: 'API_TOKEN', hosts: [`127.0.0.1:${port}`] }]), event: eventWith({}) }, runtime());
  const before = api.requests.length;
  await assert.rejects(executeFlow({ flow: flowOf(step, [{ name: 'API_TOKEN', hosts: ['api.example.com'] }]), event: eventWith({}) }, runtime()), /API_TOKEN.*api\.example\.com/);
  assert.equal(api.requests.length, before, 'nothing was sent');
});

test('the workflow names only the declared references the flow file wrote', () => {
  const args = { url: { secret: 'BASE' }, headers: { A: { secret: 'TOKEN' }, B: '{{ x }}' }, sign: { secret: 'SIGNING' } };
  assert.deepEqual(staticSecretRefs('http.request', args, ['BASE', { name: 'TOKEN', hosts: ['h.example'] }]), [
    { path: ['url'], name: 'BASE' },
    { path: ['headers', 'A'], name: 'TOKEN', hosts: ['h.example'] },
  ]);
  assert.equal(staticSecretRefs('log', args, ['BASE']), undefined);
});
