// email.send across a crash between the SMTP server's answer and the effect record (issue 13,
// hole 9): the retry sends the same message with the same Message-ID, and the worker's /metrics
// counts the resend. Real FerretDB, real SMTP catcher, the real ops server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { type Db, MongoClient } from 'mongodb';
import pino from 'pino';
import { emailActivities } from '../../activities/email';
import { type Mailer, createMailer } from '../../activities/mailer';
import type { ActivityDeps } from '../../activities/effects';
import { type FerretDb, startFerretDb } from '../../devstack/ferretdb';
import { type SmtpCatcher, startSmtpCatcher } from '../../devstack/smtp-catcher';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { createWorkerMetrics, type WorkerMetrics } from '../../lib/metrics';
import { freePort } from '../../lib/net';
import { startOpsServer } from '../../worker/ops-server';
import { uid } from '../helpers/events';

let ferret: FerretDb;
let client: MongoClient;
let db: Db;
let smtp: SmtpCatcher;
let dataDir: string;
const mailers: Mailer[] = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookflow-email-resend-'));
  ferret = await startFerretDb({ bin: ensureTool(TOOLS.ferretdb), port: await freePort(), dataDir });
  client = await MongoClient.connect(ferret.uri);
  db = client.db('email');
  smtp = await startSmtpCatcher({ port: await freePort() });
});

after(async () => {
  for (const m of mailers) m.close();
  await smtp?.close();
  await client?.close();
  await ferret?.process.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A real mailer; `crashAfter` sends that many messages for real, then the attempt dies after each (before the record). */
function mailer(url: string, crashAfterSend = 0): Mailer & { sends: number } {
  const real = createMailer(url);
  mailers.push(real);
  const m = {
    sends: 0,
    async send(mail: Parameters<Mailer['send']>[0]) {
      m.sends++;
      await real.send(mail);
      if (m.sends <= crashAfterSend) throw new Error('injected: the worker died right after the SMTP server answered');
    },
    close: () => real.close(),
  };
  return m;
}

function send(mail: Mailer, metrics: WorkerMetrics, idempotencyKey: string, to: string, attempt: number) {
  const deps = { db, mail, metrics, log: pino({ level: 'silent' }) } as unknown as ActivityDeps;
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  const args = { to, subject: `Order ${idempotencyKey}`, text: 'Thank you.' };
  return env.run(emailActivities(deps, 'shop@example.com')['email.send'], { args, idempotencyKey }) as Promise<{ sent: boolean; messageId: string }>;
}

async function scrape(metrics: WorkerMetrics): Promise<string> {
  const server = await startOpsServer({ port: 0, host: '127.0.0.1', checks: [], registry: metrics.registry });
  try {
    const { port } = server.address() as { port: number };
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } finally {
    server.close();
  }
}

test('a crash after the SMTP answer: the retry resends the same message with the same Message-ID, counted in /metrics', async () => {
  const metrics = createWorkerMetrics();
  const to = `${uid('c')}@example.com`;
  const key = `payment-succeeded:payments:${uid('evt')}/email-customer`;
  const mail = mailer(smtp.url, 1);
  await assert.rejects(send(mail, metrics, key, to, 1), /injected/);
  const second = await send(mail, metrics, key, to, 2);
  assert.equal(second.sent, true);
  const caught = await smtp.waitFor((m) => m.to.includes(to), 2);
  assert.equal(caught.length, 2);
  assert.equal(caught[0].messageId, caught[1].messageId);
  assert.equal(`<${caught[0].messageId?.replace(/^<|>$/g, '')}>`, second.messageId);
  assert.deepEqual([caught[1].subject, caught[1].text?.trim()], [caught[0].subject, caught[0].text?.trim()], 'the very same message');
  assert.match(await scrape(metrics), /^hookflow_email_resends_total 1$/m);

  // Once recorded, a further retry sends nothing and counts nothing.
  assert.equal((await send(mail, metrics, key, to, 3)).sent, false);
  assert.equal(mail.sends, 2);
  assert.match(await scrape(metrics), /^hookflow_email_resends_total 1$/m);
});

test('a retry after the record, or after a server that certainly got nothing, is no resend', async () => {
  const metrics = createWorkerMetrics();
  const to = `${uid('c')}@example.com`;
  const key = `order-placed:payments:${uid('evt')}/tell-customer`;
  // Nothing listens there: the connection is refused, so the server certainly has no message.
  const unreachable = mailer(`smtp://127.0.0.1:${await freePort()}`);
  await assert.rejects(send(unreachable, metrics, key, to, 1));
  const mail = mailer(smtp.url);
  assert.equal((await send(mail, metrics, key, to, 2)).sent, true);
  assert.equal((await send(mail, metrics, key, to, 3)).sent, false);
  assert.equal((await smtp.waitFor((m) => m.to.includes(to), 1)).length, 1);
  assert.equal(mail.sends, 1);
  assert.match(await scrape(metrics), /^hookflow_email_resends_total 0$/m);
});
