// Resolves a source's secret references (environment variable or file) into key bytes.
// Secrets are never written in source files, and their values never appear in messages.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { secretKey } from './source-presets';
import type { Secret, VerificationScheme } from './source-types';
import type { Problem, YamlFile } from './yaml-file';

export interface SecretRef { env?: string; file?: string; expiresAt?: string }

/** Where secrets come from; `unchecked` (hookflow validate --skip-env) resolves none and reports no unset one. */
export type SecretEnv = NodeJS.ProcessEnv | 'unchecked';

export function resolveSecrets(
  scheme: VerificationScheme, refs: SecretRef[], env: SecretEnv, yaml: YamlFile, sourceFile: string,
  /** Where the i-th reference sits in the file, for messages. */
  refPath: (i: number) => (string | number)[] = (i) => ['verify', 'secrets', i],
): { secrets: Secret[]; problems: Problem[] } {
  const secrets: Secret[] = [];
  const problems: Problem[] = [];
  refs.forEach((ref, i) => {
    const at = (key: string, message: string, hint?: string) => problems.push(yaml.at([...refPath(i), key], message, hint));
    let expiresAt: Date | undefined;
    if (ref.expiresAt !== undefined) {
      expiresAt = new Date(ref.expiresAt);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(ref.expiresAt) || Number.isNaN(expiresAt.getTime())) {
        return at('expiresAt', `expiresAt "${ref.expiresAt}" is not an ISO 8601 date-time`, 'write e.g. 2026-12-31T00:00:00Z');
      }
    }
    if (env === 'unchecked') return;
    let text: string | undefined;
    let name: string;
    if (ref.env) {
      name = `env:${ref.env}`;
      text = env[ref.env];
      if (!text) return at('env', `environment variable ${ref.env} is not set`, `set ${ref.env} to the secret the provider signs with`);
    } else {
      const path = isAbsolute(ref.file!) ? ref.file! : resolve(dirname(sourceFile), ref.file!);
      name = `file:${ref.file}`;
      try {
        text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch {
        return at('file', `secret file ${ref.file} cannot be read`, 'give a path (relative to the source file) to a readable file holding only the secret');
      }
      if (!text) return at('file', `secret file ${ref.file} is empty`);
    }
    try {
      secrets.push({ ref: name, value: secretKey(scheme, text), expiresAt });
    } catch (err) {
      at(ref.env ? 'env' : 'file', `the secret in ${name} cannot be used: ${(err as Error).message}`, 'copy the value exactly as the provider\'s dashboard shows it');
    }
  });
  return { secrets, problems };
}
