// What the JSON logs may and must contain: signatures and secrets never; on the worker, the run an
// activity or workflow line belongs to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { SECRET_HEADERS, createLogger } from '../../lib/logger';
import { activityLogFields, sdkLogger } from '../../worker/log-context';

function capture(level = 'info', mixin?: () => object) {
  const lines: string[] = [];
  const log = createLogger({ level, pretty: false, name: 'test', mixin }, { write: (s: string) => { lines.push(s); } });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

test('signature and credential headers are redacted wherever headers are logged; other headers are kept', () => {
  const { log, lines, parsed } = capture();
  const headers = Object.fromEntries(SECRET_HEADERS.map((h) => [h, `SECRET-${h}`]));
  const required = ['stripe-signature', 'x-hub-signature-256', 'authorization', 'webhook-signature', 'x-shopify-hmac-sha256'];
  for (const h of required) assert.ok(SECRET_HEADERS.includes(h), `${h} is on the list`);
  log.info({ headers: { ...headers, 'content-type': 'application/json' } }, 'top level');
  log.info({ req: { headers: { ...headers, 'user-agent': 'Stripe/1.0' } } }, 'nested');
  const text = lines.join('');
  assert.doesNotMatch(text, /SECRET-/, 'no secret header value is written');
  const [top, nested] = parsed();
  for (const h of SECRET_HEADERS) {
    assert.equal(top.headers[h], '[redacted]');
    assert.equal(nested.req.headers[h], '[redacted]');
  }
  assert.equal(top.headers['content-type'], 'application/json');
  assert.equal(nested.req.headers['user-agent'], 'Stripe/1.0');
});

test('secret, password and token fields are redacted at the top level and one level down', () => {
  const { log, lines } = capture();
  log.info({ secret: 's1', token: 't1', source: { secret: 's2', secrets: ['s3'] }, user: { password: 'p1' }, signature: 'sig1' }, 'fields');
  const [line] = lines.map((l) => JSON.parse(l) as Record<string, any>);
  assert.doesNotMatch(lines[0], /s1|t1|s2|s3|p1|sig1/);
  assert.equal(line.source.secret, '[redacted]');
  assert.equal(line.user.password, '[redacted]');
});

test('inside an activity every worker line names the run (workflow id, run id, activity)', () => {
  const { log, parsed } = capture('info', activityLogFields);
  log.info('outside');
  const info = { workflowExecution: { workflowId: 'payment-succeeded:payments:evt_1', runId: 'run-1' }, activityType: 'email.send' };
  asyncLocalStorage.run({ info } as unknown as Context, () => log.info('inside'));
  const [outside, inside] = parsed();
  assert.equal(outside.workflowId, undefined);
  assert.deepEqual([inside.workflowId, inside.runId, inside.activity], ['payment-succeeded:payments:evt_1', 'run-1', 'email.send']);
});

test('workflow code\'s log lines reach the JSON log with their run; SDK chatter only from warnings up', () => {
  const { log, parsed } = capture('info');
  const sdk = sdkLogger(log);
  sdk.info('step done', { sdkComponent: 'workflow', workflowId: 'w-1', runId: 'r-1', workflowType: 'runFlow' });
  sdk.info('Workflow bundle created', { sdkComponent: 'worker' });
  sdk.warn('Workflow failed', { sdkComponent: 'worker', workflowId: 'w-2' });
  sdk.debug('replaying', { sdkComponent: 'workflow', workflowId: 'w-3' });
  const lines = parsed();
  assert.deepEqual(lines.map((l) => [l.msg, l.workflowId, l.level]), [['step done', 'w-1', 30], ['Workflow failed', 'w-2', 40]]);
  assert.equal(lines[0].runId, 'r-1');
});

test('a workflow task over its deadline (the SDK\'s TMPRL1104 warning) is counted, whatever LOG_LEVEL hides', () => {
  for (const level of ['info', 'error'] as const) {
    const { log, parsed } = capture(level);
    let counted = 0;
    const sdk = sdkLogger(log, () => counted++);
    sdk.warn('[TMPRL1104] run-1:12:3 Workflow task duration exceeded 5 seconds.', { sdkComponent: 'core' });
    sdk.warn('Workflow failed', { sdkComponent: 'worker' });
    sdk.info('[TMPRL1104] quoted in an info line', { sdkComponent: 'workflow' });
    assert.equal(counted, 1, `LOG_LEVEL ${level}`);
    assert.equal(parsed().length, level === 'error' ? 0 : 3, `LOG_LEVEL ${level}: what the log shows`);
  }
});
