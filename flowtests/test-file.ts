// Reads a flow test file (flows/tests/*.test.yaml) with positions, checked against
// schemas/flow-test.schema.json, so a mistake in a test and a failed expectation are both
// reported at file:line:column.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import testSchema from '../schemas/flow-test.schema.json';
import { type Problem, type YamlFile, readYamlFile, schemaProblems } from '../definitions/yaml-file';

export interface EventSpec {
  sample?: string;
  file?: string;
  body?: unknown;
  scheduledAt?: string;
  set?: Record<string, unknown>;
  id?: string;
  type?: string;
  headers?: Record<string, string>;
  receivedAt?: string;
  /** The version the event is sent as (where the source reads it: header, body field or URL). */
  version?: string;
}

export interface SimulatedOutcome {
  output?: unknown;
  fail?: string | { message: string; type?: string };
}

export interface Expectations {
  outcome?: 'completed' | 'failed' | 'not-started';
  error?: string;
  steps?: string[];
  skipped?: string[];
  compensations?: string[];
  args?: Record<string, unknown>;
  exactArgs?: Record<string, Record<string, unknown>>;
  emails?: Record<string, unknown>[];
  http?: Record<string, unknown>[];
  result?: Record<string, unknown>;
  waited?: string;
}

export interface TestCase {
  name: string;
  event: EventSpec;
  simulate?: {
    steps?: Record<string, SimulatedOutcome | SimulatedOutcome[]>;
    callbacks?: { after?: string; event: EventSpec }[];
  };
  expect: Expectations;
}

export interface FlowTestFile {
  flow: string;
  cases: TestCase[];
}

export interface ReadTestFile {
  yaml: YamlFile;
  tests?: FlowTestFile;
  problems: Problem[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(testSchema);

export function readTestFile(path: string, displayName: string): ReadTestFile {
  const yaml = readYamlFile(path, displayName);
  if (yaml.problems.length) return { yaml, problems: yaml.problems };
  if (!validate(yaml.data)) return { yaml, problems: schemaProblems(yaml, validate.errors ?? []) };
  return { yaml, tests: yaml.data as unknown as FlowTestFile, problems: [] };
}
