// How CLI commands load definitions: the configured folders, overridable by options, and
// every secret a source references counted as set (checking files needs no secrets).
import { loadConfig } from '../../lib/config';
import { DefinitionError } from '../../lib/errors';
import { type Definitions, loadDefinitions } from '../../definitions/definitions';

export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Arguments that are not options nor option values. */
export function positionals(args: string[], optionsWithValue: string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && !optionsWithValue.includes(args[i - 1]));
}

export function loadDefinitionsForCli(args: string[], flowPaths?: string[]): Definitions | DefinitionError {
  const config = loadConfig();
  const dirs = {
    flowsDir: option(args, '--flows') ?? config.flowsDir,
    flowPaths,
    sourcesDir: option(args, '--sources') ?? config.sourcesDir,
    schemasDir: option(args, '--schemas') ?? config.schemasDir,
  };
  const env = new Proxy(process.env, { get: (target, key) => (typeof key === 'string' ? target[key] ?? 'unset-for-validation' : undefined) });
  try {
    return loadDefinitions(dirs, env);
  } catch (err) {
    if (err instanceof DefinitionError) return err;
    throw err;
  }
}

export function printProblems(err: DefinitionError): void {
  console.error(err.message);
  console.error(`\n${err.problems.length} problem(s) found.`);
}
