// Loads source files (sources/*.yaml) and resolves their secrets from the environment.
import { relative } from 'node:path';
import Ajv from 'ajv';
import sourceSchema from '../../schemas/source.schema.json';
import { type Problem, readYamlFile, schemaProblems } from './yaml-file';

export interface HmacVerification {
  scheme: 'hmac';
  header: string;
  algorithm: 'sha256' | 'sha1' | 'sha512';
  encoding: 'hex' | 'base64';
  prefix: string;
  timestampHeader?: string;
  signedPayload: string;
  toleranceSeconds: number;
  /** Resolved secret values, in the order listed. */
  secrets: Buffer[];
}

export interface SourceDefinition {
  name: string;
  verify: HmacVerification;
  event: { id: string; type: string };
  maxBodyBytes: number;
}

const validateSourceSchema = new Ajv({ allErrors: true, strict: false, useDefaults: true }).compile(sourceSchema);

interface RawSource {
  name: string;
  verify: Omit<HmacVerification, 'secrets'> & { secrets: { env: string }[] };
  event?: { id?: string; type?: string };
  maxBodyBytes: number;
}

export function loadSources(files: string[], env: NodeJS.ProcessEnv): { sources: SourceDefinition[]; problems: Problem[] } {
  const sources: SourceDefinition[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const yaml = readYamlFile(file, relative(process.cwd(), file) || file);
    if (yaml.problems.length) { problems.push(...yaml.problems); continue; }
    if (!validateSourceSchema(yaml.data)) { problems.push(...schemaProblems(yaml, validateSourceSchema.errors ?? [])); continue; }
    const raw = yaml.data as unknown as RawSource;
    if (sources.some((s) => s.name === raw.name)) { problems.push(yaml.at(['name'], `source name "${raw.name}" is used twice`)); continue; }
    const secrets: Buffer[] = [];
    raw.verify.secrets.forEach(({ env: name }, i) => {
      const value = env[name];
      if (value) secrets.push(Buffer.from(value, 'utf8'));
      else problems.push(yaml.at(['verify', 'secrets', i, 'env'], `environment variable ${name} is not set`, `set ${name} to the secret the provider signs with`));
    });
    const timestampHeader = raw.verify.timestampHeader?.toLowerCase();
    sources.push({
      name: raw.name,
      verify: {
        scheme: 'hmac',
        header: (raw.verify.header ?? 'X-Signature').toLowerCase(),
        algorithm: raw.verify.algorithm ?? 'sha256',
        encoding: raw.verify.encoding ?? 'hex',
        prefix: raw.verify.prefix ?? '',
        timestampHeader,
        signedPayload: raw.verify.signedPayload ?? (timestampHeader ? '{timestamp}.{body}' : '{body}'),
        toleranceSeconds: raw.verify.toleranceSeconds ?? 300,
        secrets,
      },
      event: { id: raw.event?.id ?? 'id', type: raw.event?.type ?? 'type' },
      maxBodyBytes: raw.maxBodyBytes,
    });
  }
  return { sources, problems };
}
