// The Helm chart (deploy/helm/hookflow): helm lint, helm template, and kubeconform against the
// Kubernetes API's own schemas (made offline, devstack/kube-schemas.ts) for the default values and
// each ci/*-values.yaml; a broken value is rejected; and what matters is asserted on the rendered
// objects: the admin listener is in no public Service, NetworkPolicies keep it and Temporal
// private, the probes hit the paths and ports the processes serve. No cluster runs here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureChartTools } from '../../devstack/chart-tools';
import { searchAttributes } from '../../engine/contract';
import { loadConfig } from '../../lib/config';
import { ROOT } from '../helpers/paths';

const CHART = join(ROOT, 'deploy', 'helm', 'hookflow');
const tools = ensureChartTools();
const home = mkdtempSync(join(tmpdir(), 'hookflow-helm-'));
// helm keeps its config and caches here, not in the user's home.
const helmEnv = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(bin, args, { env: helmEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const valueSets: Record<string, string[]> = {
  default: [],
  ...Object.fromEntries(readdirSync(join(CHART, 'ci')).map((f) => [f, ['-f', join(CHART, 'ci', f)]])),
};

function template(args: string[]): string {
  const res = run(tools.helm, ['template', 'hookflow', CHART, '--namespace', 'hooks', '--kube-version', tools.kubernetesVersion, ...args]);
  assert.equal(res.status, 0, `helm template ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

function objects(manifest: string): K8sObject[] {
  return parseAllDocuments(manifest).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

function kubeconform(manifest: string): { status: number | null; summary: { valid: number; invalid: number; errors: number; skipped: number }; output: string } {
  const file = join(home, `manifest-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, manifest);
  const res = run(tools.kubeconform, ['-strict', '-summary', '-output', 'json', '-kubernetes-version', tools.kubernetesVersion, '-schema-location', tools.schemaLocation, file]);
  const report = JSON.parse(res.stdout) as { summary: { valid: number; invalid: number; errors: number; skipped: number } };
  return { status: res.status, summary: report.summary, output: res.stdout };
}

const find = (objs: K8sObject[], kind: string, nameEnd: string) => {
  const found = objs.find((o) => o.kind === kind && o.metadata.name.endsWith(nameEnd));
  assert.ok(found, `no ${kind} named …${nameEnd} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
};

test('helm lint --strict passes with the default values and with each ci values file', () => {
  for (const [name, args] of Object.entries(valueSets)) {
    const res = run(tools.helm, ['lint', '--strict', CHART, '--kube-version', tools.kubernetesVersion, ...args]);
    assert.equal(res.status, 0, `${name}: ${res.stdout}${res.stderr}`);
  }
});

test('every rendered object is valid against the Kubernetes and KEDA schemas, none skipped', () => {
  const kinds = new Set<string>();
  for (const [name, args] of Object.entries(valueSets)) {
    const manifest = template(args);
    const count = objects(manifest).length;
    for (const o of objects(manifest)) kinds.add(`${o.apiVersion}/${o.kind}`);
    const { status, summary, output } = kubeconform(manifest);
    assert.equal(status, 0, `${name}: ${output}`);
    assert.deepEqual(summary, { valid: count, invalid: 0, errors: 0, skipped: 0 }, name);
  }
  for (const kind of ['apps/v1/Deployment', 'v1/Service', 'v1/ConfigMap', 'v1/Secret', 'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget', 'networking.k8s.io/v1/NetworkPolicy', 'batch/v1/Job', 'keda.sh/v1alpha1/ScaledObject', 'keda.sh/v1alpha1/TriggerAuthentication']) {
    assert.ok(kinds.has(kind), `no value set renders a ${kind}`);
  }
});

test('a broken value renders, and kubeconform rejects it', () => {
  const cases: [string[], RegExp][] = [
    // An environment variable without a name.
    [['--set', 'worker.extraEnv[0].value=x'], /missing property 'name'|required/],
    // A field that does not exist (strict: additional properties are errors).
    [['--set-json', 'ingress.topologySpreadConstraints=[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelectr":{}}]'], /labelSelectr/],
    // A user id that is not a number.
    [['--set', 'podSecurityContext.runAsUser=root'], /runAsUser/],
  ];
  for (const [args, message] of cases) {
    const { status, summary, output } = kubeconform(template(args));
    assert.notEqual(status, 0, args.join(' '));
    assert.ok(summary.invalid >= 1, args.join(' '));
    assert.match(output, message);
  }
  // What the chart's values.schema.json knows is refused before anything renders.
  const res = run(tools.helm, ['template', 'hookflow', CHART, '--set', 'temporal.address=temporal-frontend']);
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /temporal.*address/);
});

test('the admin listener and the worker ops port are in no public Service; NetworkPolicies guard them', () => {
  for (const [name, args] of Object.entries(valueSets)) {
    const objs = objects(template(args));
    const ingress = find(objs, 'Deployment', '-ingress').spec.template.spec.containers[0];
    const ports = Object.fromEntries(ingress.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    for (const svc of objs.filter((o) => o.kind === 'Service')) {
      const exposesAdmin = svc.spec.ports.some((p: { targetPort: unknown }) => p.targetPort === 'admin' || p.targetPort === ports.admin || p.targetPort === 'ops');
      if (!exposesAdmin) continue;
      assert.equal(svc.spec.type ?? 'ClusterIP', 'ClusterIP', `${name}: ${svc.metadata.name} exposes the admin listener`);
      assert.ok(svc.metadata.name.endsWith('-admin'), `${name}: the admin port is on ${svc.metadata.name}`);
    }
    const publicSvc = find(objs, 'Service', 'hookflow');
    assert.deepEqual(publicSvc.spec.ports.map((p: { targetPort: string }) => p.targetPort), ['http'], name);

    const policy = find(objs, 'NetworkPolicy', '-ingress').spec;
    assert.deepEqual(policy.policyTypes, ['Ingress']);
    for (const rule of policy.ingress as { ports: { port: string }[]; from?: unknown[] }[]) {
      // Only the public listener may be open to everyone (no from); the admin port only to adminFrom.
      if (!rule.from?.length) assert.deepEqual(rule.ports.map((p) => p.port), ['http'], name);
    }
    assert.ok(policy.ingress.some((r: { ports: { port: string }[]; from?: unknown[] }) => r.ports.some((p) => p.port === 'admin') && r.from?.length), `${name}: adminFrom`);
    const worker = find(objs, 'NetworkPolicy', '-worker').spec;
    assert.ok((worker.ingress as { from?: unknown[] }[]).every((r) => r.from?.length), `${name}: the worker's ops port is open to all`);
  }
  // A self-hosted Temporal's frontend lets in only hookflow, Temporal itself and what is listed.
  const selfHosted = objects(template(valueSets['self-hosted-values.yaml']!));
  const temporal = find(selfHosted, 'NetworkPolicy', '-temporal-frontend');
  assert.equal(temporal.metadata.namespace, 'temporal');
  const grpc = temporal.spec.ingress[0];
  assert.deepEqual(grpc.ports, [{ port: 7233, protocol: 'TCP' }]);
  assert.deepEqual(grpc.from[0].namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': 'hooks' });
});

test('probes hit the paths and ports the processes serve, and the processes accept the rendered settings', () => {
  const objs = objects(template([]));
  const defaults = loadConfig({});
  const configMap = find(objs, 'ConfigMap', 'hookflow').data!;
  const containerOf = (name: string) => find(objs, 'Deployment', name).spec.template.spec.containers[0];
  const portOf = (c: { ports: { name: string; containerPort: number }[] }, name: string) => c.ports.find((p) => p.name === name)!.containerPort;

  const ingress = containerOf('-ingress');
  assert.deepEqual(ingress.command, ['node', 'dist/server/main.js']);
  assert.deepEqual([portOf(ingress, 'http'), portOf(ingress, 'admin')], [defaults.ingressPort, defaults.adminPort]);
  assert.deepEqual([configMap.PORT, configMap.ADMIN_PORT], [String(defaults.ingressPort), String(defaults.adminPort)]);
  assert.deepEqual([ingress.livenessProbe.httpGet.path, ingress.livenessProbe.httpGet.port], ['/healthz', 'admin']);
  assert.deepEqual([ingress.readinessProbe.httpGet.path, ingress.readinessProbe.httpGet.port], ['/readyz', 'admin']);

  const worker = containerOf('-worker');
  assert.deepEqual(worker.command, ['node', 'dist/worker/main.js']);
  assert.equal(portOf(worker, 'ops'), defaults.workerOpsPort);
  assert.equal(configMap.WORKER_OPS_PORT, String(defaults.workerOpsPort));
  assert.deepEqual([worker.livenessProbe.httpGet.path, worker.livenessProbe.httpGet.port], ['/healthz', 'ops']);
  assert.deepEqual([worker.readinessProbe.httpGet.path, worker.readinessProbe.httpGet.port], ['/readyz', 'ops']);

  // What a pod's process would read: the ConfigMap plus the literal variables.
  const env = { ...configMap, ...Object.fromEntries(ingress.env.map((e: { name: string; value: string }) => [e.name, e.value])) };
  const config = loadConfig(env);
  assert.equal(config.adminHost, '0.0.0.0');
  assert.equal(config.temporal.address, 'temporal-frontend.temporal.svc.cluster.local:7233');
  assert.equal(config.taskQueue, defaults.taskQueue);

  // With HTTPS on the listeners (ingress.tls), the probes speak HTTPS to them.
  const https = find(objects(template(valueSets['cloud-mtls-values.yaml']!)), 'Deployment', '-ingress').spec.template.spec.containers[0];
  assert.deepEqual([https.livenessProbe.httpGet.scheme, https.readinessProbe.httpGet.scheme], ['HTTPS', 'HTTPS']);
  assert.ok(https.env.some((e: { name: string }) => e.name === 'HOOKFLOW_TLS_CERT_PATH'));

  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(ingress.image, `hookflow:${version}`);
});

test('the search-attribute Job registers every attribute of engine/contract.ts before install and upgrade', () => {
  for (const [name, args] of Object.entries(valueSets)) {
    const objs = objects(template(args));
    const job = find(objs, 'Job', '-search-attributes');
    assert.equal(job.metadata.annotations!['helm.sh/hook'], 'pre-install,pre-upgrade', name);
    const script = job.spec.template.spec.containers[0].command.join(' ');
    const listed = /for sa in ([^;]+);/.exec(script)![1]!.trim().split(/\s+/);
    assert.deepEqual(listed.sort(), Object.values(searchAttributes).map((k) => k.name).sort(), name);
  }
  // With secrets made by the chart, the API key reaches the pre-install Job through a hook Secret of its own.
  const objs = objects(template(['--set', 'secrets.values.TEMPORAL_API_KEY=key']));
  const hookSecret = find(objs, 'Secret', '-search-attributes');
  assert.equal(hookSecret.metadata.annotations!['helm.sh/hook-weight'], '-10');
});

test('KEDA scales the workers on the task queue backlog with the worker\'s own Temporal settings', () => {
  const objs = objects(template(valueSets['cloud-api-key-values.yaml']!));
  const scaled = find(objs, 'ScaledObject', '-worker').spec;
  assert.equal(scaled.scaleTargetRef.name, find(objs, 'Deployment', '-worker').metadata.name);
  assert.equal(find(objs, 'Deployment', '-worker').spec.replicas, undefined, 'KEDA owns the replica count');
  const trigger = scaled.triggers[0];
  assert.equal(trigger.type, 'temporal');
  assert.deepEqual([trigger.metadata.endpoint, trigger.metadata.namespace, trigger.metadata.taskQueue], ['us-east-1.aws.api.temporal.io:7233', 'payments.a1b2c', 'hookflow']);
  const auth = find(objs, 'TriggerAuthentication', '-temporal').spec;
  assert.deepEqual(auth.secretTargetRef, [{ parameter: 'apiKey', name: 'hookflow-env', key: 'TEMPORAL_API_KEY' }]);
  // Off by default.
  assert.equal(objects(template([])).some((o) => o.kind === 'ScaledObject'), false);
});
