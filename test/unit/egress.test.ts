// Where http.request may go: non-public addresses refused (after DNS, on the address the socket
// uses) unless HOOKFLOW_EGRESS_ALLOW names them, a path that cannot leave its base, and a
// response size cap. Against a real loopback server, in Temporal's mock activity environment.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { httpActivities } from '../../activities/http';
import { embeddedIPv4, parseEgressAllow, refusal, DENY_ALL_PRIVATE } from '../../lib/egress';
import { hostMatches, requestTarget } from '../../activities/http-target';
import { loadConfig } from '../../lib/config';

test('non-public addresses are refused unless allowed, IPv4 inside IPv6 included', () => {
  const refusedByDefault = ['127.0.0.1', '127.1.2.3', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '224.0.0.1'];
  for (const a of refusedByDefault) assert.match(refusal(DENY_ALL_PRIVATE, a, 80) ?? '', /not a public address/, a);
  for (const a of ['93.184.216.34', '172.32.0.1', '2606:4700::1111', '::ffff:93.184.216.34', '1.1.1.1']) assert.equal(refusal(DENY_ALL_PRIVATE, a, 443), undefined, a);
  assert.equal(embeddedIPv4('::ffff:a9fe:a9fe'), '169.254.169.254');
  const policy = parseEgressAllow('127.0.0.1:8099, 10.0.0.0/8, [::1]:8080, fd00::/8');
  assert.equal(refusal(policy, '127.0.0.1', 8099), undefined);
  assert.ok(refusal(policy, '127.0.0.1', 8098), 'another port of an allowed address');
  assert.equal(refusal(policy, '::ffff:127.0.0.1', 8099), undefined, 'the same address, IPv4-mapped');
  assert.equal(refusal(policy, '10.9.8.7', 1), undefined);
  assert.equal(refusal(policy, '::1', 8080), undefined);
  assert.equal(refusal(policy, 'fd00::5', 1), undefined);
  assert.ok(refusal(policy, '169.254.169.254', 80));
  for (const bad of ['localhost', '127.0.0.1:0', '10.0.0.0/33', '10.0.0.1:99999', 'http://x']) assert.throws(() => parseEgressAllow(bad), /cannot read/, bad);
  assert.throws(() => loadConfig({ HOOKFLOW_EGRESS_ALLOW: 'metadata' }), /HOOKFLOW_EGRESS_ALLOW: cannot read "metadata"/);
});

test('a path adds to its base: it cannot change the host, climb, or carry a fragment', () => {
  const t = requestTarget('https://api.example.com/v1/', '/payments/pay_1?x=1');
  assert.deepEqual([t.hostname, t.port, t.path], ['api.example.com', 443, '/v1/payments/pay_1?x=1']);
  for (const path of ['@evil.example', '/../../admin', '/a/%2e%2E/admin', '/a/./b', '/a\\b', '/a#b', '/a b', '//evil.example/x/..']) {
    assert.throws(() => requestTarget('https://api.example.com/v1', path), /path/, path);
  }
  assert.equal(requestTarget('http://api.example.com', '//evil.example/x').hostname, 'api.example.com');
  assert.equal(requestTarget('http://[::1]:8080/', '/x').hostname, '::1');
  assert.ok(hostMatches('api.example.com', { hostname: 'API.example.com', port: 443 }));
  assert.ok(hostMatches('*.example.com', { hostname: 'a.example.com', port: 1 }));
  assert.ok(!hostMatches('*.example.com', { hostname: 'example.com', port: 1 }));
  assert.ok(!hostMatches('127.0.0.1:8099', { hostname: '127.0.0.1', port: 8098 }));
  assert.ok(hostMatches('[::1]:8080', { hostname: '::1', port: 8080 }));
});

let server: Server;
let base: string;
let received = 0;
let bodyBytes = 0;
before(async () => {
  server = createServer((req, res) => {
    received++;
    if (req.url === '/big') {
      // Chunked, with no length announced: the cap is found while reading.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = () => { while (sent < 64 && res.write(chunk)) sent++; if (sent < 64) res.once('drain', () => { sent++; more(); }); else res.end(); };
      more();
      return;
    }
    if (req.url === '/announced') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(10 * 1024 * 1024) });
      res.write('x');
      return; // never finishes: the announced length is enough to refuse
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, bytes: bodyBytes }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

const call = (egress: string | undefined, args: Record<string, unknown>) => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') })
  .run(httpActivities({ log: pino({ level: 'silent' }), secrets: () => undefined, ...(egress !== undefined && { egress: parseEgressAllow(egress) }) })['http.request'], { args, idempotencyKey: 'wf/s', secrets: [] });

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

test('loopback is refused by default, by address and by a name that resolves to it; the server receives nothing', async () => {
  const port = new URL(base).port;
  for (const url of [base, `http://localhost:${port}`, `http://[::ffff:127.0.0.1]:${port}`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/']) {
    const f = await failure(call(undefined, { url }));
    assert.equal(f.type, 'EgressRefused', `${url}: ${f.message}`);
    assert.equal(f.nonRetryable, true);
  }
  const f = await failure(call(`127.0.0.1:${Number(port) + 1}`, { url: `http://localhost:${port}` }));
  assert.match(f.message, /localhost resolves to 127\.0\.0\.1 is not a public address/);
  assert.equal(received, 0, 'nothing reached the server');
  const ok = await call(`127.0.0.1:${port}`, { url: base, path: '/allowed' }) as { status: number; body: { path: string } };
  assert.deepEqual([ok.status, ok.body.path], [200, '/allowed']);
  assert.equal(received, 1);
});

test('a name is resolved once per connection and the socket uses the address that was checked (no rebinding between check and connect)', async () => {
  const port = Number(new URL(base).port);
  // A name the system cannot resolve: reaching the server proves the socket took the checked address.
  const answers: Record<string, string[]> = { 'api.rebind.test': ['127.0.0.1'], 'evil.rebind.test': ['93.184.216.34', '127.0.0.1'] };
  let lookups = 0;
  const resolve = ((name: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => {
    lookups++;
    cb(null, (answers[name] ?? []).map((address) => ({ address, family: 4 })));
  }) as never;
  const activities = httpActivities({ log: pino({ level: 'silent' }), secrets: () => undefined, egress: parseEgressAllow(`127.0.0.1:${port}`), resolve });
  const run = (url: string) => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activities['http.request'], { args: { url, path: '/pinned' }, idempotencyKey: 'wf/p', secrets: [] });
  const before = received;
  const ok = await run(`http://api.rebind.test:${port}`) as { status: number; body: { path: string } };
  assert.deepEqual([ok.status, ok.body.path, received - before, lookups], [200, '/pinned', 1, 1]);
  // Any address of a name that is not allowed refuses it, whichever the socket would have picked.
  const f = await failure(run(`http://evil.rebind.test:${port + 1}`));
  assert.equal(f.type, 'EgressRefused');
  assert.equal(received - before, 1);
});

test('a response over 256 KiB fails without retry, announced or not', async () => {
  for (const path of ['/big', '/announced']) {
    const f = await failure(call('127.0.0.1', { url: base, path }));
    assert.equal(f.type, 'HttpResponseTooLarge', f.message);
    assert.equal(f.nonRetryable, true);
  }
  const f = await failure(call('127.0.0.1', { url: base, path: '/a/../admin' }));
  assert.equal(f.type, 'InvalidArguments');
  assert.match(f.message, /may not climb/);
});
