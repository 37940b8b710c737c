// What Node refuses before a handler runs (headers too large, broken HTTP) gets the documented
// JSON error shape from both listeners, not Node's empty body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import pino from 'pino';
import { listen } from '../../server/http';

async function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('431 for oversized headers and 400 for broken HTTP, each with a JSON error body', async () => {
  const { server } = await listen((_req, res) => res.end('handled'), { port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
  try {
    const { port } = server.address() as { port: number };
    const big = await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 /);
    assert.match(big, /content-type: application\/json/i);
    assert.deepEqual(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)), { error: { code: 'headers_too_large', message: 'the request headers are larger than this server accepts' } });
    const broken = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(broken, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(broken.slice(broken.indexOf('\r\n\r\n') + 4)).error.code, 'bad_request');
    const fine = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(fine, /handled$/, 'an ordinary request still reaches the handler');
  } finally {
    server.close();
  }
});
