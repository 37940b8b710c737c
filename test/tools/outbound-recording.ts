// The outbound delivery recording for test/tools/record-histories.ts: one deliverOutbound run
// delivered on its first attempt to a loopback destination (the recording's fake API). The
// destination's file is written before the stack starts (the worker loads destinations then).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETRY, OUTBOUND_DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId, type DeliveryInput } from '../../engine/outbound';
import type { startTestStack } from '../helpers/stack';
import { TEST_TASK_QUEUE } from '../helpers/stack';

const DESTINATION = 'recording';

/** A destinations folder with one destination posting to `apiUrl`/outbound; its signing secret is set in process.env. */
export function recordingDestinations(apiUrl: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-recording-destinations-'));
  process.env.RECORDING_WHSEC = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
  writeFileSync(join(dir, `${DESTINATION}.yaml`), `name: ${DESTINATION}\nurl: ${apiUrl}/outbound\nevents: [order.*]\nsigning:\n  secrets: [RECORDING_WHSEC]\n`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs one delivery to completion (the fake API answers 200); its workflow id. */
export async function outboundDeliveredOnce(stack: Awaited<ReturnType<typeof startTestStack>>, name: string): Promise<string> {
  const message = { id: `msg_${name}`, type: 'order.shipped', version: '2', data: { order_id: 'ord_1001' }, publishedAt: new Date().toISOString() };
  const input: DeliveryInput = { destination: DESTINATION, message, retry: DEFAULT_RETRY };
  const workflowId = deliveryWorkflowId(DESTINATION, message.id);
  const handle = await stack.client.workflow.start(OUTBOUND_DELIVERY_WORKFLOW_TYPE, { workflowId, taskQueue: TEST_TASK_QUEUE, args: [input] });
  const result = await handle.result() as { status: string };
  if (result.status !== 'delivered') throw new Error(`${name}: the delivery ended ${JSON.stringify(result)}`);
  return workflowId;
}
