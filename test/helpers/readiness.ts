// The one shape of a failed /readyz, asserted the same way for the ingress and the worker.
import assert from 'node:assert/strict';

/** `res` is 503, not ready, the `down` check failed with a reason and every other check passed. */
export async function assertNotReady(res: Response, down: string): Promise<void> {
  assert.equal(res.status, 503);
  const body = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; error?: string }> };
  assert.equal(body.ready, false);
  for (const [name, check] of Object.entries(body.checks)) assert.equal(check.ok, name !== down, `check ${name}`);
  assert.ok(body.checks[down]?.error, `the ${down} check says why it failed`);
}
