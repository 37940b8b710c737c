// The rule by which the development defaults apply: `npm start` (devstack/start.ts) fills them in
// and production refuses them (lib/config.ts); the CLI fills them in outside production only, so
// a second terminal beside `npm start` needs nothing exported, and production never signs or
// authenticates with a value printed in the README.
import { isProduction } from './config';
import { DEV_ADMIN_TOKEN, DEV_WEBHOOK_SECRET } from './dev-defaults';

/** The variables `npm start` gives a default when unset, with that default. */
export const DEV_ENV_DEFAULTS: Readonly<Record<string, string>> = { PAYMENTS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET, HOOKFLOW_ADMIN_TOKEN: DEV_ADMIN_TOKEN };

/** Fills the unset defaults into env outside production; returns the names it filled. */
export function applyDevDefaults(env: NodeJS.ProcessEnv): string[] {
  if (isProduction(env)) return [];
  const filled = Object.keys(DEV_ENV_DEFAULTS).filter((name) => !env[name]);
  for (const name of filled) env[name] = DEV_ENV_DEFAULTS[name];
  return filled;
}

/** The variables that hold their development default now (to say so where a check passes thanks to one). */
export function devDefaultsUsed(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(DEV_ENV_DEFAULTS).filter((name) => env[name] === DEV_ENV_DEFAULTS[name]);
}
