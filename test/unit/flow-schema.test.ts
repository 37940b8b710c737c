// schemas/flow.schema.json is what editors (yaml-language-server) use: it must accept every
// shipped flow as it is, and its per-activity argument hints must match the activity catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import flowSchema from '../../schemas/flow.schema.json';
import { activityCatalog } from '../../engine/activity-catalog';
import { ROOT } from '../helpers/paths';

const validate = new Ajv({ allErrors: true, strict: false }).compile(flowSchema);
const shipped = readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.yaml'));

test('the full editor schema accepts every shipped flow', () => {
  assert.ok(shipped.length >= 4);
  for (const file of shipped) {
    const ok = validate(parse(readFileSync(join(ROOT, 'flows', file), 'utf8')));
    assert.ok(ok, `${file}: ${JSON.stringify(validate.errors)}`);
  }
});

test('the editor schema knows which arguments each activity takes', () => {
  const hints = flowSchema.definitions.activityArguments.allOf;
  assert.deepEqual(hints.map((h) => h.if.properties.uses.const).sort(), Object.keys(activityCatalog).sort());
  for (const h of hints) {
    const spec = activityCatalog[h.if.properties.uses.const];
    assert.deepEqual(Object.keys(h.then.properties.with.properties).sort(), Object.keys(spec.args.properties).sort(), h.if.properties.uses.const);
    assert.deepEqual(h.then.properties.with.required, spec.args.required);
  }
  const flow = (step: object) => ({ name: 'x', trigger: { source: 's', events: ['e'] }, steps: [{ id: 'a', ...step }] });
  assert.equal(validate(flow({ uses: 'email.send', with: { to: 'a@b.c', subject: 's', text: 't', bcc: 'x@y.z' } })), false);
  assert.equal(validate(flow({ uses: 'email.send', with: { to: '{{ event.body.email }}', subject: 's', text: 't' } })), true);
  assert.equal(validate(flow({ uses: 'log', with: { message: 'm' }, compensate: { uses: 'log', with: { nope: 1 } } })), false);
});
