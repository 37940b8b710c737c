// Event payload schemas (schemas/events/<type>.json), compiled once at start-up. A body is read
// with integers beyond 2^53 as their exact decimal strings (lib/exact-json.ts): where a schema
// asks for an integer or a number, such a string is the integer the provider sent, and passes.
// The catalog that also finds per-source and versioned schemas is definitions/event-catalog.ts.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Violation } from '../lib/errors';

export type EventValidator = (body: unknown) => Violation[];

/** One compiler per catalog: ajv keeps what it compiled. */
export function eventSchemaCompiler(): (schema: object) => EventValidator {
  // verbose: an error carries the value it is about (read only when validation failed).
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  return (schema) => {
    const validate: ValidateFunction = ajv.compile(schema);
    return (body) =>
      validate(body) ? [] : (validate.errors ?? []).filter((e) => !exactIntegerAsked(e)).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword }));
  };
}

/** The shared schemas of a folder (schemas/events/<type>.json), by type. */
export function loadEventSchemas(dir: string): Map<string, EventValidator> {
  const compile = eventSchemaCompiler();
  const validators = new Map<string, EventValidator>();
  if (!existsSync(dir)) return validators;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    validators.set(basename(file, '.json'), compile(JSON.parse(readFileSync(join(dir, file), 'utf8'))));
  }
  return validators;
}

/** A type error about an exact integer string (a 64-bit id) where the schema wants a number. */
function exactIntegerAsked(e: ErrorObject): boolean {
  if (e.keyword !== 'type' || typeof e.data !== 'string' || !/^-?\d{16,}$/.test(e.data) || Number.isSafeInteger(Number(e.data))) return false;
  const wanted = ([] as unknown[]).concat(e.params.type);
  return wanted.includes('integer') || wanted.includes('number');
}
