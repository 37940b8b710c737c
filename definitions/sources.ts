// Loads source files (sources/*.yaml): schema check, preset defaults, secrets from the
// environment or files, address allowlists. Every problem is reported with file:line:column.
import { relative } from 'node:path';
import Ajv from 'ajv';
import sourceSchema from '../schemas/source.schema.json';
import { compileCidrs } from '../lib/address-ranges';
import { PRESET_BODY, PRESET_EVENT_FIELDS } from './source-presets';
import { hmacProblems, presetKeyProblems } from './verification-checks';
import { type SecretEnv, resolveSecrets } from './source-secrets';
import { type RawHandshake, resolveHandshakes } from './source-handshakes';
import type { FieldSource, HmacVerification, NetworkPolicy, SourceDefinition, Verification } from './source-types';
import type { RawVerify } from './verification-checks';
import type { EventCatalog } from './event-catalog';
import { type RawVersions, resolveVersions } from './source-versions';
import { type Problem, type YamlFile, readYamlFile, schemaProblems } from './yaml-file';

export type * from './source-types';

const validateSourceSchema = new Ajv({ allErrors: true, strict: false, useDefaults: true }).compile(sourceSchema);

type RawField = string | FieldSource;
interface RawSource {
  name: string;
  verify: RawVerify;
  event?: { id?: RawField; type?: RawField };
  handshakes?: RawHandshake[];
  optional?: boolean;
  network?: { allow?: string[]; trustedProxies?: string[] };
  maxBodyBytes: number;
  versions?: RawVersions;
}

/** An optional source whose secret variables are not set: it and its flows stay off. */
export interface DisabledSource { name: string; missing: string[] }

/** `names`: every source file's name, also of those with problems or off (so flows on them are not reported as on unknown sources). */
/** `catalog`: the event schemas, which a source's versions and upcasts are checked against. */
export function loadSources(files: string[], env: SecretEnv, catalog?: EventCatalog): { sources: SourceDefinition[]; names: string[]; disabled: DisabledSource[]; problems: Problem[] } {
  const sources: SourceDefinition[] = [];
  const names: string[] = [];
  const disabled: DisabledSource[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const yaml = readYamlFile(file, relative(process.cwd(), file) || file);
    if (yaml.problems.length) { problems.push(...yaml.problems); continue; }
    if (!validateSourceSchema(yaml.data)) { problems.push(...schemaProblems(yaml, validateSourceSchema.errors ?? [])); continue; }
    const raw = yaml.data as unknown as RawSource;
    if (names.includes(raw.name)) { problems.push(yaml.at(['name'], `source name "${raw.name}" is used twice`)); continue; }
    names.push(raw.name);
    const missing = env === 'unchecked' ? [] : raw.verify.secrets.flatMap((r) => (r.env && !env[r.env] ? [r.env] : []));
    if (raw.optional && missing.length) { disabled.push({ name: raw.name, missing }); continue; }
    const found: Problem[] = [];
    const verify = verification(raw, yaml, env, file, found);
    const handshakes = resolveHandshakes(raw.verify.scheme, raw.handshakes, env, yaml, file, found);
    const network = networkPolicy(raw, yaml, found);
    const event = eventFields(raw, yaml, found);
    const versions = resolveVersions(raw.name, raw.versions, yaml, catalog, found);
    problems.push(...found);
    if (!found.length) sources.push({ name: raw.name, verify, handshakes, event, network, maxBodyBytes: raw.maxBodyBytes, body: PRESET_BODY[raw.verify.scheme] ?? {}, ...(versions && { versions }) });
  }
  return { sources, names, disabled, problems };
}

function verification(raw: RawSource, yaml: YamlFile, env: SecretEnv, file: string, problems: Problem[]): Verification {
  const v = raw.verify;
  const { secrets, problems: secretProblems } = resolveSecrets(v.scheme, v.secrets, env, yaml, file);
  problems.push(...secretProblems);
  const toleranceSeconds = v.toleranceSeconds ?? 300;
  problems.push(...presetKeyProblems(v, yaml));
  if (v.scheme !== 'hmac') return { scheme: v.scheme, toleranceSeconds, secrets, ...(v.publicUrl && { publicUrl: v.publicUrl }) };
  const timestampHeader = v.timestampHeader?.toLowerCase();
  const spec: HmacVerification = {
    scheme: 'hmac',
    header: (v.header ?? 'X-Signature').toLowerCase(),
    algorithm: v.algorithm ?? 'sha256',
    encoding: v.encoding ?? 'hex',
    prefix: v.prefix ?? '',
    timestampHeader,
    ...(v.parts && { parts: { separator: v.parts.separator ?? ',', signature: v.parts.signature, timestamp: v.parts.timestamp } }),
    signedPayload: v.signedPayload ?? (timestampHeader || v.parts?.timestamp ? '{timestamp}.{body}' : '{body}'),
    toleranceSeconds,
    secrets,
  };
  problems.push(...hmacProblems(spec, v, yaml));
  return spec;
}

function networkPolicy(raw: RawSource, yaml: YamlFile, problems: Problem[]): NetworkPolicy | undefined {
  if (!raw.network) return undefined;
  const compile = (key: 'allow' | 'trustedProxies') => {
    const { list, invalid } = compileCidrs(raw.network![key] ?? []);
    for (const i of invalid) problems.push(yaml.at(['network', key, i], `"${raw.network![key]![i]}" is not an IP address or CIDR block`, 'write e.g. 192.0.2.0/24 or 2001:db8::/32'));
    return list;
  };
  if (!raw.network.allow) {
    problems.push(yaml.at(['network'], 'network needs an "allow" list', 'list the CIDR blocks the provider sends from'));
    return undefined;
  }
  return { allow: compile('allow'), trustedProxies: raw.network.trustedProxies?.length ? compile('trustedProxies') : undefined };
}

function eventFields(raw: RawSource, yaml: YamlFile, problems: Problem[]): SourceDefinition['event'] {
  const preset = PRESET_EVENT_FIELDS[raw.verify.scheme];
  const field = (key: 'id' | 'type'): FieldSource => {
    const given = raw.event?.[key];
    if (given === undefined) return preset[key];
    const f = typeof given === 'string' ? { path: given } : given;
    if (!f.header === !f.path) problems.push(yaml.at(['event', key], `event ${key} needs exactly one of "header" or "path"`));
    return f.header ? { ...f, header: f.header.toLowerCase() } : f;
  };
  return { id: field('id'), type: field('type') };
}
