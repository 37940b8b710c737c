// What the development stack keeps on disk (event bodies, caught mail, development keys) is the
// owner's only: the data folder and the mail folder 0700, each caught mail 0600, even where the
// folders existed already with wider modes. A real SMTP catcher receives a real message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../activities/mailer';
import { startEmbeddedServices } from '../../devstack/services';
import { startSmtpCatcher } from '../../devstack/smtp-catcher';
import { freePort } from '../../lib/net';

const root = mkdtempSync(join(tmpdir(), 'hookflow-perms-'));
after(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o777;

test('caught mail is written 0600 in a 0700 folder', async () => {
  const dir = join(root, 'mail');
  mkdirSync(dir, { mode: 0o755 });
  const smtp = await startSmtpCatcher({ port: await freePort(), dir });
  try {
    const mail = createMailer(smtp.url);
    await mail.send({ from: 'a@example.com', to: 'b@example.com', subject: 'perms', text: 'x', messageId: '<perms@example.com>' });
    await smtp.waitFor((m) => m.subject === 'perms');
    mail.close();
  } finally {
    await smtp.close();
  }
  assert.equal(modeOf(dir).toString(8), '700');
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.equal(modeOf(join(dir, files[0]!)).toString(8), '600');
});

test('the stack\'s data folder is 0700', async () => {
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  const services = await startEmbeddedServices({
    dataDir, ports: { temporal: 0, temporalUi: 0, mongo: 0, smtp: 0 },
    external: { temporalAddress: '127.0.0.1:1', mongodbUri: 'mongodb://127.0.0.1:1/', smtpUrl: 'smtp://127.0.0.1:1' },
  });
  await services.stop();
  assert.equal(modeOf(dataDir).toString(8), '700');
});
