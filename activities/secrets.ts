// Secrets are referenced in flow files as { secret: ENV_NAME } and resolved here, inside the
// activity, from the worker's environment: the value never enters workflow input, history or logs.
import { badArguments } from './effects';

export type SecretLookup = (name: string) => string | undefined;

export const envSecrets = (env: NodeJS.ProcessEnv = process.env): SecretLookup => (name) => env[name];

export function isSecretRef(value: unknown): value is { secret: string } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secret?: unknown }).secret === 'string';
}

export function resolveSecret(activity: string, lookup: SecretLookup, name: string): string {
  const value = lookup(name);
  // Naming the variable (never the value) tells ops what to set on the worker.
  if (value === undefined || value === '') throw badArguments(activity, `secret "${name}" is not set in the worker's environment`);
  return value;
}
