// hookflow test [PATHS...]: runs the flow test files (flows/tests/*.test.yaml) through the real
// interpreter with simulated step outcomes and time, touching nothing (flowtests/).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../../lib/config';
import { coverageLine, junitXml, runFlowTests } from '../../flowtests';
import { parseArgs, stringOption, UsageError } from '../args';
import type { Command } from '../command';

export const testCommand: Command = {
  name: 'test',
  summary: 'Run the flow tests (flows/tests/*.test.yaml): steps, arguments, compensations, emails and HTTP calls, with a coverage line per flow.',
  usage: 'hookflow test [TEST.yaml | DIR]... [--junit FILE] [--flows DIR] [--sources DIR] [--schemas DIR] [--samples DIR]\n\n' +
    '  TEST.yaml, DIR  test files, or folders of *.test.yaml (default: <flows>/tests)\n' +
    '  --junit FILE    also write the results as JUnit XML (for CI)\n' +
    '  --samples DIR   provider samples for `event: { sample: … }` (default: samples/)\n\n' +
    '  Runs in this process: no Temporal, MongoDB, SMTP or network; secrets need not be set.\n' +
    '  Exit: 0 every case passed, 1 a case failed or a file has problems, 2 usage. See docs/flows.md "Testing flows".',
  async run(args) {
    const parsed = parseArgs(args);
    const known = new Set(['junit', 'flows', 'sources', 'schemas', 'samples']);
    const unknown = Object.keys(parsed.options).find((o) => !known.has(o));
    if (unknown) throw new UsageError(`hookflow test: unknown option --${unknown}\n${this.usage}`);
    const config = loadConfig();
    const report = await runFlowTests({
      paths: parsed.positional,
      dirs: {
        flowsDir: stringOption(parsed, 'flows') ?? config.flowsDir,
        sourcesDir: stringOption(parsed, 'sources') ?? config.sourcesDir,
        schemasDir: stringOption(parsed, 'schemas') ?? config.schemasDir,
      },
      samplesDir: stringOption(parsed, 'samples') ?? join(PROJECT_ROOT, 'samples'),
    });
    let file = '';
    for (const c of report.cases) {
      if (c.file !== file) console.log(`${(file = c.file)}  (${c.flow})`);
      console.log(`  ${c.failures.length ? '✗' : '✓'} ${c.name}`);
      for (const f of c.failures) console.log(f.text.split('\n').map((line) => `      ${line}`).join('\n'));
    }
    for (const p of report.problems) console.error(`${p.file}:${p.line}:${p.column}  ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`);
    if (report.coverage.length) console.log('');
    for (const c of report.coverage) console.log(coverageLine(c));
    if (report.untested.length) console.log(`no tests: ${report.untested.join(', ')}`);
    const failed = report.cases.filter((c) => c.failures.length).length;
    console.log(`\n${report.cases.length - failed} passed, ${failed} failed${report.problems.length ? `, ${report.problems.length} problem(s) in the files` : ''} (${Math.round(report.ms)} ms)`);
    const junit = stringOption(parsed, 'junit');
    if (junit) writeFileSync(junit, junitXml(report));
    return failed || report.problems.length || !report.cases.length ? 1 : 0;
  },
};
