// `npm run ingress` under SIGTERM drains: it stops accepting connections, the request in flight
// still gets its answer, then the process exits 0; on a taken port it names the holder. (Nothing else runs: the ingress starts without
// MongoDB and Temporal, and an unsigned request is answered without Temporal.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { commandLine } from '../../lib/port-holder';
import { freePort } from '../../lib/net';
import { portAnswers } from '../../devstack/process';
import { spawnProject } from '../helpers/processes';

async function ingressEnv(port: number): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, PORT: String(port), ADMIN_PORT: '0', HOOKFLOW_PRETTY_LOGS: '0', PAYMENTS_WEBHOOK_SECRET: 'x',
    MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/`, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  delete env.HOOKFLOW_ADMIN_TOKEN;
  return env;
}

test('npm run ingress on a taken port names the process holding it, without a stack trace', async () => {
  const holder = createServer();
  const port = await freePort();
  await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
  try {
    const npm = spawnProject('npm', ['run', 'ingress'], await ingressEnv(port), { detached: true });
    const { code } = await npm.exited;
    assert.equal(code, 1, npm.output());
    assert.ok(npm.output().includes(`ingress: port ${port} (PORT) is already in use by pid ${process.pid}: ${commandLine(process.pid)}. Stop it, or set PORT to another port.`), npm.output());
    assert.doesNotMatch(npm.output(), /^\s+at /m, 'no stack trace');
  } finally {
    holder.close();
  }
});

test('SIGTERM to npm run ingress: no new connections, the in-flight request answers, exit 0', async () => {
  const port = await freePort();
  const npm = spawnProject('npm', ['run', 'ingress'], await ingressEnv(port), { detached: true });
  try {
    await npm.waitForLine(/"msg":"ingress listening"/);
    const body = JSON.stringify({ id: 'evt_drain', type: 'x' });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/payments', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 5)); // the request is in flight: half its body sent
      const from = npm.output().length;
      req.once('socket', (socket) => socket.once('connect', () => {
        process.kill(npm.child.pid!, 'SIGTERM'); // to npm, which forwards it to the ingress
        void npm.waitForLine(/"msg":"ingress stopping/, { from })
          .then(async () => {
            assert.equal(await portAnswers(port), false, 'no new connections once stopping');
            req.end(body.slice(5));
          })
          .catch(reject);
      }));
    });
    const { status, text } = await answer;
    // Unsigned, and MongoDB is down: whichever it says, the ingress answered with its error body.
    assert.ok(status >= 400, text);
    assert.match(text, /"error":\{"code":"(signature_missing|store_unavailable)/);
    assert.deepEqual(await npm.exited, { code: 0, signal: null }, npm.output());
    assert.match(npm.output(), /"msg":"ingress stopped"/);
  } finally {
    try { process.kill(-npm.child.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
});
