// What the flow file must say itself, because data must not: the secrets a step names are
// declared in the flow's `secrets:`; an http.request's URL is a literal or a secret (its origin is
// the operator's) and its path starts with a literal "/"; `sign` is written out; email's `from`
// is the flow file's or the worker's MAIL_FROM, not a template (docs/security.md).
import { templateExpressions, wholeTemplate } from '../engine/expressions';
import { SECRET_NAME, type SecretDeclaration, declaredSecrets, secretPlaces } from '../engine/secret-refs';

export interface CallProblem { path: (string | number)[]; message: string; hint: string }

const DECLARE_HINT = 'declare it at the top of the flow: secrets: [NAME] (docs/flows.md "Secrets")';

/** Problems of one call's `with:`, paths relative to it; `used` collects the secret names it names. */
export function egressProblems(uses: string, args: Record<string, unknown> | undefined, declared: SecretDeclaration[] | undefined, used: Set<string>): CallProblem[] {
  const problems: CallProblem[] = [];
  if (!args) return problems;
  const known = declaredSecrets(declared);
  if (uses === 'http.request') {
    for (const { path, name } of secretPlaces(args)) {
      used.add(name);
      // A name that is not one is the catalog's problem to report.
      if (!known.has(name) && SECRET_NAME.test(name)) problems.push({ path, message: `secret "${name}" is not declared in this flow's secrets:`, hint: DECLARE_HINT });
    }
    if (typeof args.url === 'string' && templateExpressions(args.url).length) {
      problems.push({ path: ['url'], message: 'http.request "url" may not hold a template: where a request goes is written in the flow file', hint: 'write the URL, or { secret: NAME } for one set per deployment; put values in "path" (they are percent-encoded)' });
    }
    if (typeof args.path === 'string' && (wholeTemplate(args.path) !== undefined || !args.path.startsWith('/'))) {
      problems.push({ path: ['path'], message: 'http.request "path" must start with a literal "/"', hint: 'e.g. path: "/payments/{{ event.body.data.payment_id }}" (each value is percent-encoded and cannot add segments)' });
    }
    if (typeof args.sign === 'string') problems.push({ path: ['sign'], message: 'http.request "sign" must be written in the flow file, not a template', hint: 'sign: { secret: NAME, header: X-Signature }' });
  }
  if (uses === 'email.send' && typeof args.from === 'string' && templateExpressions(args.from).length) {
    problems.push({ path: ['from'], message: 'email.send "from" may not hold a template: the sender is the flow file\'s (or MAIL_FROM), never the event\'s', hint: 'write the address, or leave from out to use MAIL_FROM' });
  }
  return problems;
}
