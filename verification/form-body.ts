// Forms (application/x-www-form-urlencoded; Twilio posts them) read strictly, so that the fields a
// flow sees are exactly the ones the signature covered. Twilio signs the URL followed by each
// name and value, sorted by name, with a repeated name's values de-duplicated and sorted (twilio's
// own library does so): `a=1` and `a=1&a=1` carry the same signature, and so do `a=1&a=2` and
// `a=2&a=1`. A form with a repeated name is therefore refused, never handed on as an array; so is
// a name or value that is not UTF-8 (every malformed sequence decodes to the same U+FFFD, so the
// signature cannot tell them apart), a body byte outside ASCII (a form encoder percent-encodes
// them; Node's URLSearchParams misreads some next to a '%') and a field without a name. The
// verifier (./url-signed.ts) reads the form with the same code, leniently, so both see one text.
import { MalformedBodyError } from '../lib/errors';

const MAX_FORM_FIELDS = 1000;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The WHATWG urlencoded parser. Strict (for the body a flow gets): a byte outside ASCII, or a
 * percent-decoded field that is not UTF-8, is refused. Lenient (for the string Twilio signed):
 * both read as U+FFFD, as Twilio's own library would read them.
 */
export function formFields(rawBody: Buffer, mode: 'strict' | 'lenient' = 'strict'): Array<[string, string]> {
  if (mode === 'strict' && rawBody.some((b) => b > 0x7f)) throw new MalformedBodyError('a form body must be ASCII: characters outside it are percent-encoded');
  const decode = (bytes: Buffer) => decodeField(bytes, mode);
  const fields: Array<[string, string]> = [];
  let start = 0;
  while (start <= rawBody.length) {
    let end = rawBody.indexOf(0x26, start); // '&'
    if (end < 0) end = rawBody.length;
    if (end > start) {
      if (mode === 'strict' && fields.length === MAX_FORM_FIELDS) throw new MalformedBodyError(`form has more than ${MAX_FORM_FIELDS} fields`);
      const part = rawBody.subarray(start, end);
      const eq = part.indexOf(0x3d); // '='
      fields.push(eq < 0 ? [decode(part), ''] : [decode(part.subarray(0, eq)), decode(part.subarray(eq + 1))]);
    }
    start = end + 1;
  }
  return fields;
}

/** Form fields as an object of strings: one value per name, or the form is refused. */
export function parseForm(rawBody: Buffer): Record<string, string> {
  const form: Record<string, string> = Object.create(null);
  for (const [name, value] of formFields(rawBody)) {
    if (name === '') throw new MalformedBodyError('a form field has no name');
    if (name === '__proto__') throw new MalformedBodyError('key "__proto__" is not allowed');
    if (name in form) throw new MalformedBodyError(`form field "${name.slice(0, 64)}" is repeated: the signature cannot say which values, or in which order, were sent`);
    form[name] = value;
  }
  return { ...form };
}

/** '+' is a space; %XX a byte (a '%' without two hex digits stays itself); then UTF-8. */
function decodeField(bytes: Buffer, mode: 'strict' | 'lenient'): string {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x2b) out[n++] = 0x20;
    else if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b;
  }
  if (mode === 'lenient') return lenientUtf8.decode(out.subarray(0, n));
  try {
    return utf8.decode(out.subarray(0, n));
  } catch {
    throw new MalformedBodyError('a form field is not UTF-8 after percent-decoding');
  }
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
