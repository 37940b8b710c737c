// The shipped provider sources are optional: off, with their flows, until their secret is set, so
// npm start stays clean; with the secret they load and their flows are active. Flows that require
// variables (requires:) are off the same way until those are set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadDefinitions } from '../../definitions/definitions';
import { ROOT } from '../helpers/paths';

const DIRS = { flowsDir: join(ROOT, 'flows'), sourcesDir: join(ROOT, 'sources'), schemasDir: join(ROOT, 'schemas') };
const EXAMPLES = ['github-notify-slack', 'shopify-order-created', 'slack-app-mention', 'stripe-payment-succeeded'];

test('without their secrets the provider sources and their flows are off, and nothing is refused', () => {
  const defs = loadDefinitions(DIRS, { PAYMENTS_WEBHOOK_SECRET: 's' });
  assert.deepEqual([...defs.sources.keys()], ['payments']);
  assert.deepEqual(defs.disabled?.map((d) => `${d.name}: ${d.missing.join(',')} → ${d.flows.join(',')}`), [
    'github: GITHUB_WEBHOOK_SECRET → github-notify-slack',
    'shopify: SHOPIFY_WEBHOOK_SECRET → shopify-order-created',
    'slack: SLACK_SIGNING_SECRET → slack-app-mention',
    'stripe: STRIPE_WEBHOOK_SECRET → stripe-payment-succeeded',
  ]);
  assert.ok(defs.flows.every((f) => !EXAMPLES.includes(f.name)));
});

test('with a secret set, that source and its flow are on', () => {
  const defs = loadDefinitions(DIRS, { PAYMENTS_WEBHOOK_SECRET: 's', STRIPE_WEBHOOK_SECRET: 'whsec_x' });
  assert.ok(defs.sources.has('stripe'));
  assert.ok(defs.flows.some((f) => f.name === 'stripe-payment-succeeded'));
  assert.ok(!defs.flows.some((f) => f.name === 'slack-app-mention'));
});

test('a flow whose required variables are unset is off and says which; set (non-empty) it is on', () => {
  const off = loadDefinitions(DIRS, { PAYMENTS_WEBHOOK_SECRET: 's', ZAPIER_SIGNING_SECRET: 'k', ZAPIER_CATCH_HOOK_URL: '' });
  const zapier = (defs: typeof off) => defs.disabledFlows?.filter((d) => d.name === 'zapier-catch-hook');
  assert.deepEqual(zapier(off), [{ name: 'zapier-catch-hook', missing: ['ZAPIER_CATCH_HOOK_URL'] }]);
  assert.ok(!off.flows.some((f) => f.name === 'zapier-catch-hook'));
  const on = loadDefinitions(DIRS, { PAYMENTS_WEBHOOK_SECRET: 's', ZAPIER_SIGNING_SECRET: 'k', ZAPIER_CATCH_HOOK_URL: 'https://hooks.zapier.com/hooks/catch/1/a/' });
  assert.deepEqual(zapier(on), []);
  assert.deepEqual(on.flows.find((f) => f.name === 'zapier-catch-hook')?.requires, ['ZAPIER_CATCH_HOOK_URL', 'ZAPIER_SIGNING_SECRET']);
  // A flow that requires variables and whose source is off is listed under both.
  const slackOnly = loadDefinitions(DIRS, { PAYMENTS_WEBHOOK_SECRET: 's' });
  assert.ok(slackOnly.disabledFlows?.some((d) => d.name === 'slack-app-mention' && d.missing.join() === 'SLACK_API_URL,SLACK_BOT_AUTHORIZATION'));
});

test('validate --skip-env has no environment to judge: every flow counts as on', () => {
  const defs = loadDefinitions(DIRS, 'unchecked');
  assert.deepEqual(defs.disabledFlows, []);
  assert.ok(defs.flows.some((f) => f.name === 'zapier-catch-hook'));
});
