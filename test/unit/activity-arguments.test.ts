// Rendered arguments are checked against the activity catalog at run time, before the activity
// runs; email.send takes one address per recipient ("a@x, b@y" is refused, not split in two).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import type { Db } from 'mongodb';
import pino from 'pino';
import { checkedAgainstCatalog } from '../../activities/catalog-check';
import { emailActivities } from '../../activities/email';
import type { ActivityRequest } from '../../engine/contract';

const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true);
    return err;
  }
  assert.fail('expected a refusal');
}

test('arguments a template rendered into the wrong shape are refused before the activity runs', async () => {
  let ran = 0;
  const run = (name: string) => checkedAgainstCatalog(name, async () => { ran++; return 'ran'; });
  const req = (args: Record<string, unknown>): ActivityRequest => ({ args, idempotencyKey: 'wf/s' });
  assert.match((await refusal(env().run(run('mongo.updateOne'), req({ collection: 'orders', filter: { _id: { $ne: null } }, update: { $set: { a: 1 } } })))).message, /argument "filter._id" must be string,number/);
  assert.match((await refusal(env().run(run('email.send'), req({ to: 'a@x.example, b@y.example', subject: 's', text: 't' })))).message, /argument "to" must match/);
  assert.match((await refusal(env().run(run('http.request'), req({ url: 'https://api.example.com', headers: { 'X-Note': 7 } })))).message, /argument "headers.X-Note"/);
  assert.equal(ran, 0);
  assert.equal(await env().run(run('email.send'), req({ to: ['a@x.example', 'b@y.example'], subject: 's', text: 't' })), 'ran');
  assert.equal(await env().run(run('absorbed.unknown'), req({ anything: true })), 'ran', 'activities outside the catalog are not checked');
});

test('email.send refuses a recipient that holds several addresses, whatever reaches it', async () => {
  const noDb = { collection: () => ({}) } as unknown as Db;
  const send = emailActivities({ db: noDb, mail: { send: async () => assert.fail('nothing is sent') } as never, log: pino({ level: 'silent' }) }, 'hookflow <h@localhost>')['email.send'];
  for (const to of ['a@x.example, b@y.example', 'a@x.example;b@y.example', 'Ada <a@x.example>, b@y.example', 'undisclosed: a@x.example;', 'no-at-sign']) {
    assert.match((await refusal(env().run(send, { args: { to, subject: 's', text: 't' }, idempotencyKey: 'wf/mail' }))).message, /one address per recipient/, to);
  }
  assert.match((await refusal(env().run(send, { args: { to: 'a@x.example', cc: ['b@y.example', 'c@z.example,d@w.example'], subject: 's', text: 't' }, idempotencyKey: 'wf/mail' }))).message, /"cc" must be one address/);
});
