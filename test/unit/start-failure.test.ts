// startFailure is the one place a failed start or signal-with-start is classified and logged:
// what no retry cures becomes a StartRefusedError, anything else a 503 the relay retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { StartRefusedError, UnavailableError } from '../../lib/errors';
import { startFailure } from '../../server/starts/start-errors';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function capturingLog(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { out.push(chunk.toString()); done(); } }));
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('a refusal for good is a StartRefusedError with its reason, logged as an error naming the call', () => {
  const { log, lines } = capturingLog();
  const err = startFailure(grpcError(3, 'search attribute NoSuchKey is not defined'), log, 'signal', 'wf-1');
  assert.ok(err instanceof StartRefusedError);
  assert.equal(err.reason, 'invalid_argument');
  assert.deepEqual(lines().map((l) => [l.level, l.msg, l.workflowId]), [[50, 'could not signal run: Temporal refused it for good', 'wf-1']]);
});

test('anything a retry may cure is a 503, logged as a warning', () => {
  const { log, lines } = capturingLog();
  const err = startFailure(grpcError(14, 'connection refused'), log, 'start', 'wf-2');
  assert.ok(err instanceof UnavailableError);
  assert.deepEqual(lines().map((l) => [l.level, l.msg, l.workflowId]), [[40, 'could not start run', 'wf-2']]);
});
