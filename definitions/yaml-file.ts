// Reads a YAML file keeping positions, so every problem can be reported as file:line:column.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { ErrorObject } from 'ajv';

export interface Problem { file: string; line: number; column: number; message: string; hint?: string }

export interface YamlFile {
  file: string;
  data: unknown;
  /** Position of the node at a path (keys and indexes); the nearest existing ancestor when absent. */
  at(path: (string | number)[], message: string, hint?: string): Problem;
  problems: Problem[];
}

export function readYamlFile(file: string, displayName = file): YamlFile {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problem = (offset: number, message: string, hint?: string): Problem => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: displayName, line, column: col, message, hint };
  };
  const problems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => problem(e.pos[0], e.message.split('\n')[0], 'this is not valid YAML here: check indentation, quotes and brackets'));
  const at = (path: (string | number)[], message: string, hint?: string): Problem => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return problem(node.range[0], message, hint);
    }
    return problem(0, message, hint);
  };
  return { file: displayName, data: problems.length ? undefined : doc.toJS(), at, problems };
}

/** JSON pointer ("/steps/0/uses") to a path of keys and indexes. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ajv errors as positioned problems with a hint an ops person can act on. */
export function schemaProblems(yaml: YamlFile, errors: ErrorObject[]): Problem[] {
  return errors.map((e) => {
    const path = pointerToPath(e.instancePath);
    const where = e.instancePath || 'the file';
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        return yaml.at([...path, key], `unknown property "${key}" in ${where}`, 'check the spelling; see docs/flows.md for the allowed keys');
      }
      case 'required':
        return yaml.at(path, `${where} is missing "${(e.params as { missingProperty: string }).missingProperty}"`);
      case 'enum':
        return yaml.at(path, `${where} ${e.message}`, `one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`);
      case 'pattern':
        if (/(timeout|delay|Interval|period)$/.test(String(path[path.length - 1]))) {
          return yaml.at(path, `${where} ${e.message}`, 'not a duration: durations look like 500ms, 30s, 5m, 2h or 1d (no spaces)');
        }
        return yaml.at(path, `${where} ${e.message}`, 'names and ids: letters, digits and dashes; see docs/flows.md');
      default:
        return yaml.at(path, `${where} ${e.message}`, 'see docs/flows.md (schemas/flow.schema.json has every allowed value)');
    }
  });
}
