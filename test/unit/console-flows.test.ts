// The console's Flows page lists each flow's controls and the flows that are off until a variable
// they require is set (server/console/flows-page.ts), rendered without a database: no sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection } from 'mongodb';
import type { Definitions } from '../../definitions/definitions';
import type { FlowDefinition } from '../../engine/types';
import type { DeliveryRecord } from '../../server/deliveries';
import { flowsPage } from '../../server/console/flows-page';

const base = { version: 'v1', trigger: { source: 'payments', events: ['order.updated'] }, steps: [{ id: 'note', uses: 'log', with: { message: 'x' } }] };

test('each flow\'s controls, and the flows that are off with what turns them on', async () => {
  const flows: FlowDefinition[] = [
    { ...base, name: 'limited', rateLimit: { limit: 3, period: '1h', key: 'event.body.customer' }, priority: 2, fairness: { key: 'event.body.shop', weight: 3 } },
    { ...base, name: 'debounced', debounce: { key: 'event.body.order', period: '3s', timeout: '1m' } },
    { ...base, name: 'batched', batch: { maxSize: 50, timeout: '10s' } },
    { ...base, name: 'gated', concurrency: { limit: 2, key: 'event.body.shop' }, throttle: { limit: 10, period: '1s', burst: 5 } },
  ];
  const definitions = { flows, sources: new Map(), disabledFlows: [{ name: 'zapier-catch-hook', missing: ['ZAPIER_CATCH_HOOK_URL', 'ZAPIER_SIGNING_SECRET'] }] } as unknown as Definitions;
  const page = String(await flowsPage({ definitions, deliveries: {} as Collection<DeliveryRecord> }));
  for (const shown of [
    'rate limit 3 per 1h per <code>event.body.customer</code> (the rest dropped)',
    'priority <code>2</code>', 'fairness per <code>event.body.shop</code>, weight <code>3</code>',
    'debounce 3s (at most 1m) per <code>event.body.order</code>',
    'batch of up to 50 within 10s',
    'concurrency 2 per <code>event.body.shop</code>', 'throttle 10 per 1s (burst 5)',
    '<h3>Flows off</h3>', '<code>zapier-catch-hook</code>: off until ZAPIER_CATCH_HOOK_URL, ZAPIER_SIGNING_SECRET are set (<code>requires:</code> in its file)',
  ]) assert.ok(page.includes(shown), `the page shows: ${shown}`);
});
