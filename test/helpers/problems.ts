// Asserts that a broken flow fixture (test/fixtures/broken-flows, or another folder there) loads no flow and reports
// exactly the expected problems, each at its line and column, with a hint.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type FlowContext, loadFlows } from '../../lib/loader/flows';
import { ROOT } from './paths';

export function expectProblems(context: FlowContext, file: string, expected: [number, number, RegExp][], folder = 'broken-flows'): void {
  const { flows, problems } = loadFlows([join(ROOT, 'test/fixtures', folder, file)], context);
  assert.equal(flows.length, 0);
  const found = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  assert.equal(problems.length, expected.length, found.join('\n'));
  for (const [line, column, message] of expected) {
    assert.ok(problems.some((p) => p.line === line && p.column === column && message.test(p.message) && p.hint), `expected ${line}:${column} ${message} in:\n${found.join('\n')}`);
  }
}
