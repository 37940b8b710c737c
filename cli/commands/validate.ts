// hookflow validate: check flow files (and the sources and event schemas they use), reporting
// every problem of every file in one run with file:line:column and a hint.
import { DefinitionError } from '../../lib/errors';
import type { Command } from '../command';
import { loadDefinitionsForCli, positionals, printProblems } from './definitions-for-cli';

const WITH_VALUE = ['--flows', '--sources', '--schemas'];

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check flow files or folders (default: the flows folder); exit 1 on any problem.',
  usage: 'hookflow validate [PATH...] [--flows DIR] [--sources DIR] [--schemas DIR]',
  async run(args) {
    const paths = positionals(args, WITH_VALUE);
    const defs = loadDefinitionsForCli(args, paths.length ? paths : undefined);
    if (defs instanceof DefinitionError) {
      printProblems(defs);
      return 1;
    }
    console.log(`ok: ${defs.flows.length} flow(s), ${defs.sources.size} source(s), ${defs.eventSchemas.size} event schema(s)`);
    return 0;
  },
};
