// Asserts that a broken flow file loads to exactly these problems, each at its line and column,
// with a hint: what the loader-check unit tests have in common.
import assert from 'node:assert/strict';
import { type FlowContext, loadFlows } from '../../definitions/flows';

export type ExpectedProblem = [line: number, column: number, message: RegExp];

export function expectFlowProblems(file: string, context: FlowContext, expected: ExpectedProblem[]): void {
  const { flows, problems } = loadFlows([file], context);
  assert.equal(flows.length, 0);
  const found = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  assert.equal(problems.length, expected.length, found.join('\n'));
  for (const [line, column, message] of expected) {
    assert.ok(problems.some((p) => p.line === line && p.column === column && message.test(p.message) && p.hint), `expected ${line}:${column} ${message} in:\n${found.join('\n')}`);
  }
}
