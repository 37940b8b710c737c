// JUnit XML of a `hookflow test` run, for CI: one testsuite per test file, one testcase per case.
import type { TestRunReport } from './run-tests';

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/gu, '');

export function junitXml(report: TestRunReport): string {
  const files = [...new Set([...report.cases.map((c) => c.file), ...report.problems.map((p) => p.file)])];
  const suites = files.map((file) => {
    const cases = report.cases.filter((c) => c.file === file);
    const problems = report.problems.filter((p) => p.file === file);
    const failed = cases.filter((c) => c.failures.length).length;
    const seconds = (cases.reduce((sum, c) => sum + c.ms, 0) / 1000).toFixed(3);
    const lines = cases.map((c) => {
      const head = `    <testcase classname="${escape(c.flow)}" name="${escape(c.name)}" file="${escape(file)}" time="${(c.ms / 1000).toFixed(3)}"`;
      if (!c.failures.length) return `${head}/>`;
      const text = c.failures.map((f) => f.text).join('\n\n');
      return `${head}>\n      <failure message="${escape(c.failures[0].summary)}">${escape(text)}</failure>\n    </testcase>`;
    });
    // A test file that cannot be read is one failed case, so CI shows it.
    for (const p of problems) lines.push(`    <testcase classname="${escape(file)}" name="the test file" file="${escape(file)}" time="0"><error message="${escape(`${p.file}:${p.line}:${p.column} ${p.message}`)}"/></testcase>`);
    return `  <testsuite name="${escape(file)}" tests="${cases.length + problems.length}" failures="${failed}" errors="${problems.length}" time="${seconds}">\n${lines.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hookflow test">\n${suites.join('\n')}\n</testsuites>\n`;
}
