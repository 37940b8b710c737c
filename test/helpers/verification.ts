// Small helpers for verification tests: run a verifier and name its outcome.
import assert from 'node:assert/strict';
import { SignatureError } from '../../lib/errors';
import type { PresetScheme, PresetVerification, Secret } from '../../definitions/source-types';

export const NOW = new Date('2026-11-23T10:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** 'ok', or the SignatureError code the verifier threw. */
export function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof SignatureError, `expected a SignatureError, got ${String(err)}`);
    return err.code;
  }
}

export function secret(value: string | Buffer, expiresAt?: Date): Secret {
  return { ref: 'env:TEST', value: typeof value === 'string' ? Buffer.from(value) : value, expiresAt };
}

export function preset(scheme: PresetScheme, secrets: Secret[], toleranceSeconds = 300): PresetVerification {
  return { scheme, secrets, toleranceSeconds };
}
