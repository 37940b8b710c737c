// hookflow validate: check flow and source files, reporting every problem with file:line:column.
import { loadConfig } from '../../lib/config';
import { DefinitionError } from '../../lib/errors';
import { loadDefinitions } from '../../lib/loader/definitions';
import type { Command } from '../main';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check the flow files (and the sources and event schemas they use); exit 1 on any problem.',
  usage: 'hookflow validate [--flows DIR] [--sources DIR] [--schemas DIR]',
  async run(args) {
    const config = loadConfig();
    const option = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const dirs = {
      flowsDir: option('--flows') ?? config.flowsDir,
      sourcesDir: option('--sources') ?? config.sourcesDir,
      schemasDir: option('--schemas') ?? config.schemasDir,
    };
    // Secrets are not needed to check files: every referenced variable counts as set.
    const env = new Proxy(process.env, { get: (target, key) => (typeof key === 'string' ? target[key] ?? 'unset-for-validation' : undefined) });
    try {
      const defs = loadDefinitions(dirs, env);
      console.log(`ok: ${defs.flows.length} flow(s), ${defs.sources.size} source(s), ${defs.eventSchemas.size} event schema(s)`);
      return 0;
    } catch (err) {
      if (!(err instanceof DefinitionError)) throw err;
      console.error(err.message);
      console.error(`\n${err.problems.length} problem(s) found.`);
      return 1;
    }
  },
};
