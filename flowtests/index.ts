// Flow tests (`hookflow test`): test files beside the flows, run through the real interpreter.
export { runFlowTests, type TestRunReport, type CaseResult } from './run-tests';
export { coverageLine } from './coverage';
export { junitXml } from './junit';
export { testVersionProblems } from './version-checks';
