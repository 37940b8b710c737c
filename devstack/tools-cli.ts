// `npm run tools`: make sure the Temporal CLI and FerretDB, and what checks the Helm chart (helm,
// kubeconform and the offline Kubernetes schemas), are available, building them on first use.
import { ensureChartTools } from './chart-tools';
import { ensureAllTools } from './tools';

try {
  const paths = ensureAllTools();
  for (const [name, path] of Object.entries(paths)) console.log(`[tools] ${name}: ${path}`);
  const chart = ensureChartTools();
  console.log(`[tools] helm: ${chart.helm}`);
  console.log(`[tools] kubeconform: ${chart.kubeconform}`);
  console.log(`[tools] kubernetes schemas (${chart.kubernetesVersion}): ${chart.schemaLocation}`);
} catch (err) {
  console.error(`[tools] ${(err as Error).message}`);
  process.exit(1);
}
