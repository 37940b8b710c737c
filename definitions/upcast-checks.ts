// `hookflow validate`'s check of the sources' upcasts on samples: each example of a version's
// schema (its `examples`) must match that schema, and what the upcast makes of it must match the
// next version's. Asynchronous (JSONata evaluates so), hence apart from the start-up check.
import { evaluateExpression } from '../engine/expressions';
import type { Definitions } from './definitions';
import type { Problem } from './yaml-file';

export async function upcastProblems(defs: Pick<Definitions, 'sources' | 'events'>): Promise<{ problems: Problem[]; warnings: Problem[] }> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const catalog = defs.events;
  if (!catalog) return { problems, warnings };
  for (const source of defs.sources.values()) {
    for (const [type, steps] of Object.entries(source.versions?.upcast ?? {})) {
      for (const [from, upcast] of Object.entries(steps)) {
        const older = catalog.schemaOf(source.name, type, from);
        const newer = catalog.schemaOf(source.name, type, upcast.to);
        if (!older || !newer) continue; // reported by the source check
        const at = (message: string, hint?: string): Problem => ({ ...upcast.at, message, hint });
        if (!older.examples.length) {
          warnings.push(at(`the upcast of ${type} from ${from} to ${upcast.to} is not checked: ${older.file} has no examples`, 'add "examples": [ <a body of that version> ] to the schema'));
          continue;
        }
        for (const [i, example] of older.examples.entries()) {
          const name = `example ${i + 1} of ${older.file}`;
          const own = older.validate(example);
          if (own.length) { problems.push({ file: older.file, line: 1, column: 1, message: `${name} does not match its own schema: ${own[0].path}: ${own[0].message}`, hint: 'an example is a body of this version' }); continue; }
          let result: unknown;
          try {
            result = await evaluateExpression(upcast.expression, example as object);
          } catch (err) {
            problems.push(at(`the upcast of ${type} from ${from} to ${upcast.to} fails on ${name}: ${(err as Error).message}`));
            continue;
          }
          const wrong = !result || typeof result !== 'object' || Array.isArray(result) ? [{ path: '/', message: 'is not an object' }] : newer.validate(result);
          for (const v of wrong.slice(0, 5)) {
            problems.push(at(`the upcast of ${type} from ${from} to ${upcast.to} gives, for ${name}, a body that does not match ${newer.file}: ${v.path}: ${v.message}`, 'the expression gets the older body as $ and must return the whole body of the next version'));
          }
        }
      }
    }
  }
  return { problems, warnings };
}
