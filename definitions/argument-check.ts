// Checks a step's static arguments against its activity's JSON Schema. Values that are one whole
// {{ template }} are only known at run time (they may become a number, an object…), so schema
// errors at or below them are ignored; everything else is checked before anything runs.
import Ajv, { type ValidateFunction } from 'ajv';
import { activityCatalog } from '../engine/activity-catalog';
import { wholeTemplate } from '../engine/expressions';
import { pointerToPath } from './yaml-file';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

const ONE_DOCUMENT_HINT = 'a write changes one document, named by _id (e.g. _id: "{{ line.sku }}"), so a retry cannot change another one or insert a second; other conditions may stay beside it';

export interface ArgumentProblem { path: (string | number)[]; message: string; hint: string }

export function argumentProblems(uses: string, args: Record<string, unknown>): ArgumentProblem[] {
  const spec = activityCatalog[uses];
  if (!spec) return []; // the flow schema's enum reports unknown activities
  let validate = validators.get(uses);
  if (!validate) validators.set(uses, (validate = ajv.compile(spec.args)));
  const filterId = args.filter && typeof args.filter === 'object' ? (args.filter as Record<string, unknown>)._id : undefined;
  if (validate(args)) return [];
  const dynamic = templatedPaths(args, '');
  const known = Object.keys(spec.args.properties).join(', ');
  const errors = (validate.errors ?? [])
    .filter((e) => !dynamic.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)))
    // The branches of an anyOf are summarised by the anyOf error itself; propertyNames by its pattern error.
    .filter((e) => !e.schemaPath.startsWith('#/anyOf/') && e.keyword !== 'propertyNames');
  // Of a value that matched no alternative (oneOf), report the most specific error: the deepest one.
  const specific = errors.filter((e) => !errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`)) && !(e.keyword === 'oneOf' && errors.some((o) => o !== e && o.instancePath === e.instancePath)));
  return specific.map((e): ArgumentProblem => {
    const path = pointerToPath(e.instancePath);
    const name = path.join('.');
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        return { path: [...path, key], message: `${uses} has no argument "${[...path, key].join('.')}"`, hint: `arguments: ${known}` };
      }
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        if (name === 'filter' && missing === '_id') return { path, message: `${uses} filter must name its document by _id`, hint: ONE_DOCUMENT_HINT };
        return { path, message: `${uses} needs argument "${[...path, missing].join('.')}"`, hint: `arguments: ${known}` };
      }
      case 'anyOf': {
        const options = ((spec.args.anyOf as { required: string[] }[] | undefined) ?? []).flatMap((o) => o.required);
        return { path, message: `${uses} needs one of the arguments ${options.map((o) => `"${o}"`).join(' or ')}`, hint: `arguments: ${known}` };
      }
      case 'pattern':
        if (e.propertyName) {
          return { path, message: `${uses} argument "${name}" has key "${e.propertyName}", not an operator`, hint: 'MongoDB updates use operators: $set, $inc, $push, $unset…' };
        }
        if (name.endsWith('timeout')) return { path, message: `${uses} argument "${name}" is not a duration`, hint: 'durations look like 500ms, 10s or 1m (no spaces)' };
        break;
      case 'type':
        if (name === 'filter._id') return { path, message: `${uses} filter._id must be one value (a string or number), not ${JSON.stringify(filterId)}`, hint: ONE_DOCUMENT_HINT };
        break;
      case 'enum':
        return { path, message: `${uses} argument "${name}" must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`, hint: spec.description };
    }
    return { path, message: `${uses} ${path.length ? `argument "${name}"` : 'arguments'} ${e.message}`, hint: spec.description };
  });
}

/** JSON pointers of string values that are one whole template. */
function templatedPaths(value: unknown, pointer: string): string[] {
  if (typeof value === 'string') return wholeTemplate(value) !== undefined ? [pointer] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => templatedPaths(v, `${pointer}/${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templatedPaths(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}
