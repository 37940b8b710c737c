// hookflow outbound --since reads times as the other commands do (local unless a zone is named)
// and sends the admin API an instant, which the API requires: it refuses a time without a zone.
// A small HTTP server on loopback stands in for the admin listener and records what it was sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { outboundCommand } from '../../cli/commands/outbound';
import { freePort } from '../../lib/net';

const seen: { method: string; url: string; body: string }[] = [];
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.method === 'GET' ? { deliveries: [] } : { dryRun: true, count: 0 }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('outbound list and retry --since send the instant of a local time, and a zone as written', async () => {
  const quiet = console.log;
  console.log = () => undefined;
  try {
    assert.equal(await outboundCommand.run(['list', '--since', '2026-01-02T09:00', '--url', url, '--token', 't']), 0);
    assert.equal(await outboundCommand.run(['retry', '--since', '2026-01-02T09:00+01:00', '--dry-run', '--url', url, '--token', 't']), 0);
  } finally {
    console.log = quiet;
  }
  assert.equal(new URL(seen[0].url, url).searchParams.get('since'), new Date(2026, 0, 2, 9, 0).toISOString());
  assert.deepEqual(JSON.parse(seen[1].body), { since: '2026-01-02T08:00:00.000Z', dryRun: true });
});
