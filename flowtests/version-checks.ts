// `hookflow validate`'s check of the flow tests' versions: a case that sends its event as a
// version (`event.version`) must name one the event's type has for the flow's source, so a test
// written against a version that was renamed or removed is reported at its line, not at run time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isEventPattern } from '../engine/event-patterns';
import type { Definitions } from '../definitions/definitions';
import type { Problem } from '../definitions/yaml-file';
import { type EventSpec, readTestFile } from './test-file';

export function testVersionProblems(defs: Pick<Definitions, 'flows' | 'sources' | 'events'>, testDirs: string[]): Problem[] {
  const problems: Problem[] = [];
  for (const dir of testDirs.filter((d) => existsSync(d) && statSync(d).isDirectory())) {
    for (const name of readdirSync(dir).filter((f) => /\.test\.ya?ml$/.test(f)).sort()) {
      const path = join(dir, name);
      const read = readTestFile(path, relative(process.cwd(), path) || path);
      const flow = read.tests && defs.flows.find((f) => f.name === read.tests!.flow);
      if (!read.tests || !flow) continue; // `hookflow test` reports the file's own mistakes
      const source = defs.sources.get(flow.trigger.source);
      const check = (spec: EventSpec, at: (string | number)[]) => {
        if (spec.version === undefined) return;
        const where = [...at, 'version'];
        if (!source?.versions) {
          problems.push(read.yaml.at(where, `source "${flow.trigger.source}" has no versions, so the event cannot be sent as version "${spec.version}"`, `remove version:, or add versions: to sources/${flow.trigger.source}.yaml`));
          return;
        }
        const named = spec.type ?? spec.sample;
        const types = named !== undefined ? [named] : flow.trigger.events.filter((t) => !isEventPattern(t));
        const versioned = types.map((t) => ({ type: t, known: defs.events?.versionsOf(flow.trigger.source, t) ?? [] })).filter((t) => t.known.length);
        if (!versioned.length || versioned.some((t) => t.known.includes(spec.version!))) return;
        const { type, known } = versioned[0];
        problems.push(read.yaml.at(where, `"${spec.version}" is not a version of ${type} from source ${flow.trigger.source} (known: ${known.join(', ')})`, `name a version of schemas/events/${flow.trigger.source}/${type}/<version>.json`));
      };
      for (const [i, c] of read.tests.cases.entries()) {
        check(c.event, ['cases', i, 'event']);
        for (const [j, cb] of (c.simulate?.callbacks ?? []).entries()) check(cb.event, ['cases', i, 'simulate', 'callbacks', j, 'event']);
      }
    }
  }
  return problems;
}
