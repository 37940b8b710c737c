// Strict forms (verification/form-body.ts): what a flow sees of a Twilio form is exactly what
// Twilio's signature covered. Twilio's own library (getExpectedTwilioSignature, validateRequest)
// is the reference for what is signed; the real ingress is tested in ingress-providers.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { MalformedBodyError } from '../../lib/errors';
import { formFields, parseForm } from '../../verification/form-body';
import { twilioPayload } from '../../verification/url-signed';

const URL = 'https://hooks.example.com/webhooks/twilio';
const TOKEN = 'twilio-auth-token-for-the-test';
const form = (text: string) => Buffer.from(text, 'latin1');
const refused = (raw: Buffer, why: RegExp) => assert.throws(() => parseForm(raw), (err: Error) => err instanceof MalformedBodyError && why.test(err.message), raw.toString('latin1'));

test('an ASCII form decodes as URLSearchParams decodes it, strictly when UTF-8, leniently always', () => {
  const piece = fc.constantFrom('a', 'B', '=', '&', '+', '%', '%4', '%41', '%e2%82%ac', '%E2%82%AC', '%zz', '%25', ' ', '%FF', '%C3', '%00');
  fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
    const text = pieces.join('');
    const expected = [...new URLSearchParams(text)];
    assert.deepEqual(formFields(Buffer.from(text), 'lenient'), expected);
    if (expected.some(([k, v]) => `${k}${v}`.includes('\uFFFD'))) assert.throws(() => formFields(Buffer.from(text)), MalformedBodyError);
    else assert.deepEqual(formFields(Buffer.from(text)), expected);
  }), { numRuns: 500 });
});

test('a form the parser accepts is exactly what twilio signs: the same fields, the same signature', () => {
  const name = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((n) => n !== '__proto__');
  fc.assert(fc.property(fc.dictionary(name, fc.string({ maxLength: 20, unit: 'grapheme' }), { maxKeys: 8 }), (params) => {
    const raw = Buffer.from(new URLSearchParams(params).toString());
    const body = parseForm(raw);
    assert.deepEqual(body, { ...params });
    const ours = createHmac('sha1', TOKEN).update(twilioPayload(URL, raw)).digest('base64');
    assert.equal(ours, twilio.getExpectedTwilioSignature(TOKEN, URL, body), 'the body handed on carries the signature we checked');
  }), { numRuns: 300 });
});

test('a repeated name is refused: twilio\'s signature is the same whatever the copies and their order', () => {
  const once = { MessageSid: 'SM1', To: '+15550100' };
  const signature = twilio.getExpectedTwilioSignature(TOKEN, URL, once);
  // The hole: twilio's own validation accepts these re-sent forms under the original signature.
  assert.ok(twilio.validateRequest(TOKEN, signature, URL, { ...once, To: ['+15550100', '+15550100'] }));
  const raw = form('MessageSid=SM1&To=%2B15550100&To=%2B15550100');
  assert.equal(createHmac('sha1', TOKEN).update(twilioPayload(URL, raw)).digest('base64'), signature, 'our verifier agrees with twilio\'s');
  refused(raw, /form field "To" is repeated/);
  refused(form('To=1&To=2'), /"To" is repeated/);
  refused(form('To=&To'), /"To" is repeated/);
});

test('bytes outside ASCII, fields that are not UTF-8, a field without a name, and __proto__ are refused; empty pieces are skipped', () => {
  // Every malformed sequence reads as U+FFFD: twilio would sign them all alike.
  assert.equal(twilioPayload(URL, form('Body=%FF')), twilioPayload(URL, form('Body=%FE')));
  refused(form('Body=%FF'), /not UTF-8/);
  refused(form('Body=\xff'), /must be ASCII/);
  // Node's URLSearchParams reads this é as U+FFFD (next to a '%'); a form encoder never sends it raw.
  refused(Buffer.from('Body=%25é%4'), /must be ASCII/);
  refused(form('B%C3=x'), /not UTF-8/);
  refused(form('=x'), /has no name/);
  refused(form('a=1&=x'), /has no name/);
  refused(form('__proto__=x'), /__proto__/);
  refused(form(Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&')), /more than 1000 fields/);
  assert.deepEqual(parseForm(form('&a=1&&b=%E2%82%AC+x&c&')), { a: '1', b: '€ x', c: '' });
});
