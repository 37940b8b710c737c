// `npm run tools`: make sure the Temporal CLI and FerretDB are available, building them on first use.
// `npm run tools -- --cluster` adds what `npm run cluster` runs: the Temporal server, its SQL tool and UI server.
import { CLUSTER_TOOLS, ensureAllTools } from './tools';

try {
  const paths = ensureAllTools(process.env, ['temporal', 'ferretdb', ...(process.argv.includes('--cluster') ? CLUSTER_TOOLS : [])]);
  for (const [name, path] of Object.entries(paths)) console.log(`[tools] ${name}: ${path}`);
} catch (err) {
  console.error(`[tools] ${(err as Error).message}`);
  process.exit(1);
}
