// Event payload schemas (schemas/events/<type>.json), compiled once at start-up.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Violation } from '../lib/errors';

export type EventValidator = (body: unknown) => Violation[];

export function loadEventSchemas(dir: string): Map<string, EventValidator> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validators = new Map<string, EventValidator>();
  if (!existsSync(dir)) return validators;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const validate: ValidateFunction = ajv.compile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    validators.set(basename(file, '.json'), (body) =>
      validate(body) ? [] : (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword })),
    );
  }
  return validators;
}
