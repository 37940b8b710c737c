// How CLI commands load definitions: the configured folders, overridable by options, through
// the same check start-up runs (loadDefinitions). Secrets are checked against this process's
// environment (validate), or not at all (validate --skip-env, run --dry-run: nothing is called).
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

/** The flows folder: --flows, else the configured one. */
export const flowsDirForCli = (args: string[]): string => option(args, '--flows') ?? loadConfig().flowsDir;

export function loadDefinitionsForCli(args: string[], flowPaths: string[] | undefined, secrets: 'check' | 'skip'): Definitions | DefinitionError {
  const config = loadConfig();
  const dirs = {
    flowsDir: flowsDirForCli(args),
    flowPaths,
    sourcesDir: option(args, '--sources') ?? config.sourcesDir,
    schemasDir: option(args, '--schemas') ?? config.schemasDir,
  };
  try {
    return loadDefinitions(dirs, secrets === 'check' ? process.env : 'unchecked');
  } catch (err) {
    if (err instanceof DefinitionError) return err;
    throw err;
  }
}

export function printProblems(err: DefinitionError): void {
  console.error(err.message);
  console.error(`\n${err.problems.length} problem(s) found.`);
}
