// Secrets are referenced in flow files as { secret: ENV_NAME } and resolved here, inside the
// activity, from the worker's environment: the value never enters workflow input, history or logs.
// Runs with the run guards say where the flow file wrote a declared reference (engine/secret-refs.ts);
// anything else shaped like one came from data and is not resolved.
import type { ActivityRequest } from '../engine/contract';
import { type ArgPath, type SecretRef, isSecretRef } from '../engine/secret-refs';
import { badArguments } from './effects';

export type SecretLookup = (name: string) => string | undefined;

export const envSecrets = (env: NodeJS.ProcessEnv = process.env): SecretLookup => (name) => env[name];

export { isSecretRef };

export function resolveSecret(activity: string, lookup: SecretLookup, name: string): string {
  const value = lookup(name);
  // Naming the variable (never the value) tells ops what to set on the worker.
  if (value === undefined || value === '') throw badArguments(activity, `secret "${name}" is not set in the worker's environment`);
  return value;
}

const samePath = (a: ArgPath, b: ArgPath) => a.length === b.length && a.every((x, i) => String(x) === String(b[i]));

/**
 * The reference at a place of the arguments: with the run guards, only one the workflow named
 * (and the value there must still be it); before them, whatever is shaped like one. Throws when a
 * value shaped like a reference is not one the flow file wrote and declared.
 */
export function secretAt(activity: string, request: ActivityRequest, path: ArgPath, value: unknown, what: string): Pick<SecretRef, 'name' | 'hosts'> | undefined {
  const name = isSecretRef(value) ? value.secret : typeof value === 'string' && path.at(-1) === 'secret' ? value : undefined;
  if (name === undefined) return undefined;
  if (!request.secrets) return { name }; // a run started before the run guards
  const ref = request.secrets.find((r) => samePath(r.path, path) && r.name === name);
  if (ref) return ref;
  throw badArguments(activity, `${what} holds ${JSON.stringify(value)}, which is not a secret this flow declares (secrets:): secrets are named in the flow file and declared there, never chosen by event data`);
}
