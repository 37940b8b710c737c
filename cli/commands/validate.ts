// hookflow validate: check flow files (and the sources and event schemas they use), reporting
// every problem of every file in one run with file:line:column and a hint. It runs the check
// start-up runs, so it refuses what start-up refuses: unset secrets too, unless --skip-env.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DefinitionError, formatProblems } from '../../lib/errors';
import { upcastProblems } from '../../definitions/upcast-checks';
import type { Command } from '../command';
import { devDefaultsUsed } from '../../lib/dev-env';
import { flowsDirForCli, loadDefinitionsForCli, positionals, printProblems } from './definitions-for-cli';
import { testVersionProblems } from '../../flowtests';

const WITH_VALUE = ['--flows', '--sources', '--schemas'];

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check flow files or folders (default: the flows folder); exit 1 on any problem.',
  usage: 'hookflow validate [PATH...] [--flows DIR] [--sources DIR] [--schemas DIR] [--skip-env]\n\n' +
    '  Runs the check the ingress, the worker and npm start run before they start: every problem of the\n' +
    '  flow, source and schema files, and every secret a source reads (environment variable or file)\n' +
    '  that is unset or unreadable in this environment.\n' +
    '  --skip-env     do not check secrets (linting flow files in a repository or CI without them)',
  async run(args) {
    const paths = positionals(args, WITH_VALUE);
    const defs = loadDefinitionsForCli(args, paths.length ? paths : undefined, args.includes('--skip-env') ? 'skip' : 'check');
    if (defs instanceof DefinitionError) {
      printProblems(defs);
      if (defs.problems.some((p) => p.message.startsWith('environment variable ') || p.message.startsWith('secret file '))) {
        console.error('Secrets are checked as start-up checks them; --skip-env checks the files alone.');
      }
      return 1;
    }
    // The sources' upcasts, run on their schemas' examples (asynchronous, so not part of start-up's check).
    const upcasts = await upcastProblems(defs);
    // The flow tests beside the flows (<folder>/tests): the versions their events are sent as exist.
    const testDirs = (paths.length ? paths.filter((p) => existsSync(p) && statSync(p).isDirectory()) : [flowsDirForCli(args)]).map((d) => join(d, 'tests'));
    upcasts.problems.push(...testVersionProblems(defs, testDirs));
    const warnings = [...(defs.warnings ?? []), ...upcasts.warnings];
    if (warnings.length) console.error(formatProblems(warnings.map((w) => ({ ...w, message: `warning: ${w.message}` }))));
    if (upcasts.problems.length) {
      printProblems(new DefinitionError(upcasts.problems));
      return 1;
    }
    const skipped = args.includes('--skip-env') ? ' (secrets not checked: --skip-env)' : '';
    const schemas = defs.events?.allTypes().size ?? defs.eventSchemas.size;
    console.log(`ok: ${defs.flows.length} flow(s), ${defs.sources.size} source(s), ${schemas} event schema(s)${skipped}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
    // Optional sources without their secret, flows without a variable they require: checked like
    // the others, then left off (as start-up does).
    for (const d of defs.disabled ?? []) console.log(`off: source ${d.name} (flows: ${d.flows.join(', ') || 'none'}) until ${d.missing.join(', ')} is set`);
    for (const d of defs.disabledFlows ?? []) console.log(`off: flow ${d.name} until ${d.missing.join(', ')} is set (its requires:)`);
    // Secrets the check passed with npm start's defaults (the admin token is no file's secret).
    const defaults = devDefaultsUsed(process.env).filter((name) => name !== 'HOOKFLOW_ADMIN_TOKEN');
    if (defaults.length && !args.includes('--skip-env')) console.log(`development default, as npm start uses it (not in production): ${defaults.join(', ')}`);
    return 0;
  },
};
