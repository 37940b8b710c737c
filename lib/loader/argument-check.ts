// Checks a step's static arguments against its activity's JSON Schema. Values that are one whole
// {{ template }} are only known at run time (they may become a number, an object…), so schema
// errors at or below them are ignored; everything else is checked before anything runs.
import Ajv, { type ValidateFunction } from 'ajv';
import { activityCatalog } from '../../activities/catalog';
import { templateExpressions } from '../flow/expressions';
import { pointerToPath } from './yaml-file';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

export interface ArgumentProblem { path: (string | number)[]; message: string; hint: string }

export function argumentProblems(uses: string, args: Record<string, unknown>): ArgumentProblem[] {
  const spec = activityCatalog[uses];
  if (!spec) return []; // the flow schema's enum reports unknown activities
  let validate = validators.get(uses);
  if (!validate) validators.set(uses, (validate = ajv.compile(spec.args)));
  if (validate(args)) return [];
  const dynamic = templatedPaths(args, '');
  const known = Object.keys(spec.args.properties).join(', ');
  return (validate.errors ?? [])
    .filter((e) => !dynamic.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)))
    .filter((e) => e.keyword !== 'oneOf' || !(validate.errors ?? []).some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'oneOf'))
    .map((e) => {
      const path = pointerToPath(e.instancePath);
      if (e.keyword === 'additionalProperties') {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        return { path: [...path, key], message: `${uses} has no argument "${[...path, key].join('.')}"`, hint: `arguments: ${known}` };
      }
      if (e.keyword === 'required') {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        return { path, message: `${uses} needs argument "${[...path, missing].join('.')}"`, hint: `arguments: ${known}` };
      }
      const where = path.length ? `argument "${path.join('.')}"` : 'arguments';
      const allowed = e.keyword === 'enum' ? ` (one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
      return { path, message: `${uses} ${where} ${e.message}${allowed}`, hint: spec.description };
    });
}

/** JSON pointers of string values that are one whole template. */
function templatedPaths(value: unknown, pointer: string): string[] {
  if (typeof value === 'string') return /^\s*\{\{[\s\S]+\}\}\s*$/.test(value) && templateExpressions(value).length === 1 ? [pointer] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => templatedPaths(v, `${pointer}/${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templatedPaths(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}
