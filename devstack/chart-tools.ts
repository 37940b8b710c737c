// What checks the Helm chart (deploy/helm/hookflow): helm and kubeconform, built from their Go
// modules like the Temporal CLI (no binary can be downloaded here), and the JSON schemas
// kubeconform validates against, made offline (devstack/kube-schemas.ts) because kubeconform's
// default is to fetch them from the web at run time.
import { type ToolSpec, ensureTool } from './tools';
import { ensureKubeSchemas } from './kube-schemas';

export const CHART_TOOLS: Record<'helm' | 'kubeconform', ToolSpec> = {
  // v4 is the line the module proxy here recommends; ldflags as in helm's Makefile so `helm version` tells.
  helm: { name: 'helm', envVar: 'HOOKFLOW_HELM_BIN', module: 'helm.sh/helm/v4', version: 'v4.3.2', pkg: './cmd/helm', ldflags: '-s -w -X helm.sh/helm/v4/internal/version.version=v4.3.2' },
  kubeconform: { name: 'kubeconform', envVar: 'HOOKFLOW_KUBECONFORM_BIN', module: 'github.com/yannh/kubeconform', version: 'v0.8.0', pkg: './cmd/kubeconform', ldflags: '-s -w -X main.version=v0.8.0' },
};

export interface ChartTools {
  helm: string;
  kubeconform: string;
  /** kubeconform's -schema-location template for the offline schemas. */
  schemaLocation: string;
  /** The Kubernetes version the schemas describe (kubeconform's -kubernetes-version, helm's --kube-version). */
  kubernetesVersion: string;
}

export function ensureChartTools(env = process.env): ChartTools {
  const schemas = ensureKubeSchemas(env);
  return {
    helm: ensureTool(CHART_TOOLS.helm, env),
    kubeconform: ensureTool(CHART_TOOLS.kubeconform, env),
    schemaLocation: `${schemas.dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    kubernetesVersion: schemas.kubernetesVersion,
  };
}
