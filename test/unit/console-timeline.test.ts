// The timeline section of the console's event page (server/console/timeline.ts): durations as a
// person reads them, and the trace link when the record carries a trace id and a trace UI is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { span, timelineSection } from '../../server/console/timeline';
import type { Timeline } from '../../server/admin';

const timeline: Timeline = {
  deliveryId: 'payments:evt_1',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  items: [{ at: '2026-12-06T12:00:00.000Z', kind: 'run', name: 'received', state: 'info' }],
  runs: [{ flow: 'f', workflowId: 'f:payments:evt_1', status: 'COMPLETED', link: 'http://ui/x', items: [
    { at: '2026-12-06T12:00:01.000Z', kind: 'step', name: 'email-customer', activity: 'email.send', local: false, attempts: 2, waitMs: 12, durationMs: 1500, state: 'ok', effect: 'sent, Message-ID <a@b>' },
  ] }],
};

test('the trace id links to the trace UI when one is set, and shows alone otherwise', () => {
  const linked = String(timelineSection(timeline, (id) => `http://jaeger:16686/trace/${id}`));
  assert.match(linked, /<a href="http:\/\/jaeger:16686\/trace\/4bf92f3577b34da6a3ce929d0e0e4736" class="trace-link">open the trace<\/a>/);
  const bare = String(timelineSection(timeline));
  assert.match(bare, /Trace <code>4bf92f3577b34da6a3ce929d0e0e4736<\/code>/);
  assert.doesNotMatch(bare, /trace-link/);
  assert.doesNotMatch(String(timelineSection({ ...timeline, traceId: undefined })), /id="trace"/);
  assert.equal(loadConfig({ HOOKFLOW_TRACE_UI_URL: 'http://jaeger:16686' }).traceUiUrl, 'http://jaeger:16686');
});

test('a step row: attempts, wait, duration and effect; the message id escaped', () => {
  const page = String(timelineSection(timeline));
  assert.match(page, /2 attempts · waited 12 ms · took 1\.5 s/);
  assert.match(page, /sent, Message-ID &lt;a@b&gt;/);
  assert.deepEqual([span(45), span(1200), span(65_000), span(3_700_000)], ['45 ms', '1.2 s', '1 min 5 s', '1 h 1 min']);
});
