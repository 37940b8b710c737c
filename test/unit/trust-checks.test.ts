// The loader refuses what only the flow file may say: undeclared or unused secrets, templated
// URLs, paths, signing and senders, forEach caps past the hard maximum, unsafe regexes.
import { test } from 'node:test';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';
import { expectFlowProblems } from '../helpers/flow-problems';

const context = { sources: new Set(['payments']), eventTypes: new Set(['payment.succeeded']) };

test('secrets, URLs, paths, signing, senders, forEach caps and regexes that data could steer are reported at their positions', () => {
  expectFlowProblems(join(ROOT, 'test/fixtures/trust-flows/trust-mistakes.yaml'), context, [
    [2, 67, /secret "UNUSED" is declared but no step names it/],
    [14, 18, /secret "TEMPORAL_API_KEY" is not declared in this flow's secrets:/],
    [18, 12, /"url" may not hold a template/],
    [19, 13, /"path" must start with a literal "\/"/],
    [24, 13, /"sign" must be written in the flow file/],
    [29, 13, /"from" may not hold a template/],
    [35, 15, /maxItems must be <= 1000/],
    [39, 9, /regex \/\(a\+\)\+\$\/ has a repetition of a group that repeats/],
  ]);
});
