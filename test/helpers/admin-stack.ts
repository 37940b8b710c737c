// The stack the admin tests share: the flows of test/fixtures/admin, whose http.request step
// calls a fake ledger that refuses (400: the run fails at once) the orders in `refused`.
import { join } from 'node:path';
import { ROOT, startTestStack, type TestStack } from './stack';
import { startFakeApi, type FakeApi } from './fake-api';

export interface AdminStack { stack: TestStack; ledger: FakeApi }

export async function startAdminStack(refused: Set<string>): Promise<AdminStack> {
  const ledger = await startFakeApi();
  ledger.handler = (req) => (refused.has(req.path.split('/').pop()!) ? { status: 400, body: { error: 'unknown order' } } : { status: 200, body: { ok: true } });
  process.env.ADMIN_TEST_LEDGER_URL = ledger.url; // read by the in-process worker's http.request
  const stack = await startTestStack({ flowsDir: join(ROOT, 'test/fixtures/admin/flows'), replayConcurrency: 2 });
  return { stack, ledger };
}

export async function stopAdminStack(admin: AdminStack | undefined): Promise<void> {
  await admin?.stack.stop();
  await admin?.ledger.close();
}
