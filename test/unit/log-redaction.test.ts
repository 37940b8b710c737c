// lib/log-redaction.ts hides exactly what pino's `redact` hid with the logger's paths: compared
// line for line with pino's own redaction on generated fields, and checked on child loggers and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REDACTED_PATHS, SECRET_HEADERS, createLogger } from '../../lib/logger';
import { ROOT } from '../helpers/paths';

function lines(make: (write: (s: string) => void) => pino.Logger) {
  const out: string[] = [];
  return { log: make((s) => out.push(s)), out };
}
const withoutTime = (s: string) => s.replace(/"time":\d+,/, '');

/** A small deterministic generator (no Math.random: a failure is reproducible). */
function* generated(count: number): Generator<Record<string, unknown>> {
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const keys = ['secret', 'token', 'password', 'headers', 'req', 'source', 'items', 'name', SECRET_HEADERS[0], SECRET_HEADERS[5], 'content-type'];
  const leaf = () => [() => 'v' + next(100), () => next(100), () => null, () => undefined, () => ['a', { secret: 'deep' }]][next(5)]();
  const value = (depth: number): unknown => {
    if (depth >= 4 || next(3) === 0) return leaf();
    const o: Record<string, unknown> = {};
    for (let i = next(5); i > 0; i--) o[keys[next(keys.length)]] = value(depth + 1);
    return next(6) === 0 ? [o, leaf()] : o;
  };
  for (let k = 0; k < count; k++) yield value(0) as Record<string, unknown>;
}

test('the hand-written redaction writes the same lines as pino redact with the same paths', () => {
  const ours = lines((w) => createLogger({ level: 'info', pretty: false, name: 't' }, { write: w }));
  const pinos = lines((w) => pino({ name: 't', level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, { write: w }));
  let compared = 0;
  for (const fields of generated(3000)) {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) continue;
    const before = JSON.stringify(fields);
    ours.log.info(fields, 'line');
    pinos.log.info(fields, 'line');
    assert.equal(JSON.stringify(fields), before, 'the logged object is not changed');
    compared++;
  }
  assert.ok(compared > 1000, `compared ${compared} generated lines`);
  assert.deepEqual(ours.out.map(withoutTime), pinos.out.map(withoutTime));
  assert.ok(ours.out.some((l) => l.includes('[redacted]')) && ours.out.some((l) => !l.includes('[redacted]')), 'the data has lines with and without secrets');
});

test('a child logger\'s fields are redacted too; an error keeps its message and stack', () => {
  const { log, out } = lines((w) => createLogger({ level: 'info', pretty: false, name: 't' }, { write: w }));
  log.child({ headers: { authorization: 'Bearer SECRET-1' }, req: { token: 'SECRET-2' } }).info('from a child');
  const err = Object.assign(new Error('boom'), { headers: { 'stripe-signature': 'SECRET-3' } });
  log.info({ failure: err }, 'with an error');
  assert.doesNotMatch(out.join(''), /SECRET-/);
  const [child, withError] = out.map((l) => JSON.parse(l) as Record<string, any>);
  assert.equal(child.headers.authorization, '[redacted]');
  assert.equal(withError.failure.headers['stripe-signature'], '[redacted]');
  assert.equal(err.headers['stripe-signature'], 'SECRET-3', 'the error itself is unchanged');
});

test('every signature header a preset or a verifier reads is in the redaction list', () => {
  // The header names written in the presets and verifiers: a new preset's header cannot be forgotten here.
  const files = ['definitions/source-presets.ts', ...readdirSync(join(ROOT, 'verification')).map((f) => `verification/${f}`)];
  const named = new Set(files.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/'([a-z0-9-]*(?:signature|hmac)[a-z0-9-]*)'/gi)].map((m) => m[1].toLowerCase())));
  const headers = [...named].filter((h) => h.includes('-') && !h.endsWith('-timestamp'));
  assert.ok(headers.length >= 10, `found ${headers.join(', ')}`);
  assert.deepEqual(headers.filter((h) => !SECRET_HEADERS.includes(h)), [], 'signature headers logged in clear');
});
