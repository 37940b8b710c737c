// Rendered arguments checked against the activity catalog at run time: the loader could not check
// values that one whole {{ template }} gives (definitions/argument-check.ts), and a run's input is
// not trusted to have been loaded at all. A value of the wrong shape fails at once, not retried.
import Ajv, { type ValidateFunction } from 'ajv';
import { activityCatalog } from '../engine/activity-catalog';
import type { ActivityRequest } from '../engine/contract';
import { badArguments } from './effects';

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = new Map<string, ValidateFunction>(Object.entries(activityCatalog).map(([name, spec]) => [name, ajv.compile(spec.args)]));

/** The activity with its arguments checked first; activities the catalog does not know pass as they are. */
export function checkedAgainstCatalog<R>(name: string, fn: (req: ActivityRequest) => Promise<R>): (req: ActivityRequest) => Promise<R> {
  const validate = validators.get(name);
  if (!validate) return fn;
  return async (req) => {
    if (!validate(req.args)) {
      const e = validate.errors![0];
      const where = e.instancePath ? `argument "${e.instancePath.slice(1).replace(/\//g, '.')}"` : 'arguments';
      throw badArguments(name, `${where} ${e.message}${e.keyword === 'additionalProperties' ? ` ("${(e.params as { additionalProperty: string }).additionalProperty}")` : ''} (as rendered at run time)`);
    }
    return fn(req);
  };
}
