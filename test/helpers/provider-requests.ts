// Requests to the real ingress the way a provider sends them (raw bytes over a socket, headers as
// given), and the checks every provider test makes on the answer and its delivery record.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { DeliveryRecord } from '../../server/deliveries/record';
import type { TestStack } from './stack';
import { uid } from './events';
import { waitFor } from './wait-for';

export interface Answer { status: number; text: string; body: Record<string, any>; contentType: string; requestId: string }

export function send(stack: TestStack, method: 'GET' | 'POST', path: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  const requestId = uid('req');
  return new Promise((resolve, reject) => {
    const req = request(`${stack.ingressUrl}${path}`, { method, headers: { 'x-request-id': requestId, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const contentType = String(res.headers['content-type'] ?? '');
        resolve({ status: res.statusCode!, text, body: contentType.includes('json') ? JSON.parse(text) : {}, contentType, requestId });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a JSON body to /webhooks/<source>. */
export const post = (stack: TestStack, source: string, body: string | Buffer, headers: Record<string, string>, query = '') =>
  send(stack, 'POST', `/webhooks/${source}${query}`, body, { 'content-type': 'application/json', ...headers });

export const recordOf = (stack: TestStack, a: Answer) => stack.deliveries.collection.findOne({ requestId: a.requestId }) as Promise<DeliveryRecord | null>;

export async function expectAcceptedAndRun(stack: TestStack, a: Answer, workflowId: string): Promise<void> {
  assert.equal(a.status, 202, a.text);
  assert.equal(a.body.status, 'accepted');
  assert.deepEqual(a.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
  await stack.client.workflow.getHandle(workflowId).result();
  // The started mark (with the run id) is written shortly after the answer: it lingers to share a write.
  const record = await waitFor('the record marked started', async () => { const r = await recordOf(stack, a); return r?.relay?.state === 'started' && r; });
  assert.equal(record.outcome, 'accepted');
  assert.ok(record.runs[0]?.runId, 'the record names the run it started');
}

export async function expectDuplicate(stack: TestStack, a: Answer, workflowId: string): Promise<void> {
  assert.equal(a.status, 200, a.text);
  assert.equal(a.body.status, 'duplicate');
  assert.deepEqual(a.body.runs.map((r: { workflowId: string }) => r.workflowId), [workflowId]);
  assert.equal((await recordOf(stack, a))?.outcome, 'duplicate');
}

export async function expectRejected(stack: TestStack, a: Answer, status: number, code: string): Promise<void> {
  assert.equal(a.status, status, a.text);
  assert.equal(a.body.error.code, code);
  const record = await recordOf(stack, a);
  assert.equal(record?.outcome, 'rejected');
  assert.equal(record?.reason, code);
  assert.equal(record?.runs.length, 0);
}

/** A handshake: answered with 200, recorded as outcome handshake, and no run for it. */
export async function expectHandshake(stack: TestStack, a: Answer, eventType: string): Promise<DeliveryRecord> {
  assert.equal(a.status, 200, a.text);
  const record = await recordOf(stack, a);
  assert.equal(record?.outcome, 'handshake');
  assert.equal(record?.eventType, eventType);
  assert.deepEqual(record?.runs, []);
  return record!;
}
