// Kubernetes JSON schemas for kubeconform, made offline. kubeconform fetches them from the web at
// run time by default, which cannot work here; instead they are made from files in Go modules:
// - the OpenAPI (v2) spec the Kubernetes API server serves, shipped in the k8s.io/kubernetes module
//   at api/openapi-spec/swagger.json: one schema per group/version/kind;
// - KEDA's CustomResourceDefinitions (ScaledObject, TriggerAuthentication), shipped in its module.
// Each file is standalone (the definitions it uses are copied in, so recursive types stay refs)
// and strict (additionalProperties: false wherever properties are listed, as kubeconform's own
// "-standalone-strict" set: a misspelt field is an error), and is named as kubeconform looks it up:
// <kind>-<first part of the group>-<version>.json, e.g. deployment-apps-v1.json, service-v1.json.
// Written to a versioned folder in the tools cache once, atomically.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { goModuleDir, toolsCacheDir } from './tools';

export const KUBERNETES = { module: 'k8s.io/kubernetes', version: 'v1.36.3' };
// v2.20.2: the newest KEDA whose module this machine's Go (1.26) accepts; it has the temporal scaler.
export const KEDA = { module: 'github.com/kedacore/keda/v2', version: 'v2.20.2', crds: ['keda.sh_scaledobjects.yaml', 'keda.sh_triggerauthentications.yaml'] };
/** Bumped when the conversion below changes, so a cached set made by older code is not reused. */
const CONVERSION = 1;

type Schema = { [key: string]: unknown };
type Gvk = { group: string; version: string; kind: string };

export function kubeSchemasDir(env = process.env): string {
  return join(toolsCacheDir(env), `kube-schemas-${KUBERNETES.version}-keda-${KEDA.version}-c${CONVERSION}`);
}

export function schemaFileName({ group, version, kind }: Gvk): string {
  return `${kind.toLowerCase()}${group ? `-${group.split('.')[0].toLowerCase()}` : ''}-${version}.json`;
}

export function ensureKubeSchemas(env = process.env): { dir: string; kubernetesVersion: string } {
  const dir = kubeSchemasDir(env);
  const kubernetesVersion = KUBERNETES.version.slice(1);
  if (existsSync(dir)) return { dir, kubernetesVersion };
  const started = Date.now();
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const swagger = JSON.parse(readFileSync(join(goModuleDir(KUBERNETES.module, KUBERNETES.version, env), 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as { definitions: Record<string, Schema> };
  let count = 0;
  for (const [file, schema] of kubernetesSchemas(swagger.definitions)) {
    writeFileSync(join(partial, file), JSON.stringify(schema));
    count++;
  }
  const crdDir = join(goModuleDir(KEDA.module, KEDA.version, env), 'config', 'crd', 'bases');
  for (const name of KEDA.crds) {
    for (const [file, schema] of crdSchemas(readFileSync(join(crdDir, name), 'utf8'))) {
      writeFileSync(join(partial, file), JSON.stringify(schema));
      count++;
    }
  }
  try {
    renameSync(partial, dir); // atomic: a concurrent reader sees all of the set or none of it
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(dir)) throw err; // another process finished first: its set is the same
  }
  console.error(`[tools] ${count} Kubernetes JSON schemas (${KUBERNETES.module}@${KUBERNETES.version}, KEDA ${KEDA.version}) ready at ${dir} (${Math.round((Date.now() - started) / 1000)} s)`);
  return { dir, kubernetesVersion };
}

const REF = '#/definitions/';
// Kinds the API spec types loosely: a quantity is written `1` or "500m", a port 8080 or "http".
const SPECIAL: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

/** One standalone strict schema per group/version/kind of the API spec. */
export function* kubernetesSchemas(definitions: Record<string, Schema>): Generator<[string, Schema]> {
  const converted = new Map<string, Schema>();
  const convertedDef = (name: string): Schema => {
    let s = converted.get(name);
    if (!s) converted.set(name, (s = SPECIAL[name] ?? strict(definitions[name] ?? {})));
    return s;
  };
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (!gvks) continue;
    const root = convertedDef(name);
    const used: Record<string, Schema> = {};
    const pending = refsIn(root);
    while (pending.length) {
      const ref = pending.pop()!;
      if (used[ref]) continue;
      used[ref] = convertedDef(ref);
      pending.push(...refsIn(used[ref]));
    }
    for (const gvk of gvks) yield [schemaFileName(gvk), { $schema: 'http://json-schema.org/draft-04/schema#', ...root, definitions: used }];
  }
}

/** Schemas of each served version of a CustomResourceDefinition (YAML text). */
export function* crdSchemas(yamlText: string): Generator<[string, Schema]> {
  for (const doc of parseAllDocuments(yamlText)) {
    const crd = doc.toJS() as { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
    for (const v of crd.spec.versions) {
      const gvk = { group: crd.spec.group, version: v.name, kind: crd.spec.names.kind };
      yield [schemaFileName(gvk), { $schema: 'http://json-schema.org/draft-04/schema#', ...strict(v.schema.openAPIV3Schema) }];
    }
  }
}

function refsIn(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) for (const item of schema) refsIn(item, found);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF)) found.push(value.slice(REF.length));
      else refsIn(value, found);
    }
  }
  return found;
}

/**
 * Draft-4 JSON Schema from an OpenAPI schema: descriptions dropped (size), objects that list
 * properties closed to others (unless the API keeps unknown fields), optional properties may be
 * null (the API server treats null as unset), int-or-string and nullable as the API reads them.
 */
export function strict(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if (key === 'properties') {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, prop]) => [name, required.has(name) ? strict(prop) : orNull(strict(prop))]));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = value && typeof value === 'object' && !Array.isArray(value) ? strict(value as Schema) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Schema[]).map(strict);
    } else out[key] = value;
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.properties && out.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return schema.nullable === true ? orNull(out) : out;
}

function orNull(schema: Schema): Schema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  if (schema.$ref || schema.oneOf || schema.anyOf) return { anyOf: [schema, { type: 'null' }] };
  return schema; // no type: anything goes already
}
