// `npm run tools`: make sure the Temporal CLI and FerretDB are available, building them on first use.
import { ensureAllTools } from './tools';

try {
  const paths = ensureAllTools();
  for (const [name, path] of Object.entries(paths)) console.log(`[tools] ${name}: ${path}`);
} catch (err) {
  console.error(`[tools] ${(err as Error).message}`);
  process.exit(1);
}
