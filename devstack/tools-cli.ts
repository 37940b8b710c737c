// `npm run tools`: make sure the Temporal CLI and FerretDB, and what checks the Helm chart (helm,
// kubeconform and the offline Kubernetes schemas) and Jaeger (the trace backend), are available, building them on first use.
// `npm run tools -- --cluster` adds what `npm run cluster` runs: the Temporal server, its SQL tool and UI server.
import { ensureChartTools } from './chart-tools';
import { CLUSTER_TOOLS, ensureAllTools, ensureTool } from './tools';
import { JAEGER_TOOL } from './jaeger';

try {
  const paths = ensureAllTools(process.env, ['temporal', 'ferretdb', ...(process.argv.includes('--cluster') ? CLUSTER_TOOLS : [])]);
  for (const [name, path] of Object.entries(paths)) console.log(`[tools] ${name}: ${path}`);
  const chart = ensureChartTools();
  console.log(`[tools] helm: ${chart.helm}`);
  console.log(`[tools] kubeconform: ${chart.kubeconform}`);
  console.log(`[tools] kubernetes schemas (${chart.kubernetesVersion}): ${chart.schemaLocation}`);
  // The trace backend of the tracing test and of `npm start --tracing`.
  console.log(`[tools] jaeger: ${ensureTool(JAEGER_TOOL)}`);
} catch (err) {
  console.error(`[tools] ${(err as Error).message}`);
  process.exit(1);
}
