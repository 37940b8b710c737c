// JSON as providers write it, without losing the integers a JavaScript number cannot hold.
// Shopify's order ids, Twitter/X's, Discord's and many payment ids are 64-bit: JSON.parse reads
// 820982911946154508 as 820982911946154500, so two orders can share an id and a key made of it.
// An integer literal beyond Number.MAX_SAFE_INTEGER (either sign) is read as a string of its
// exact digits instead; every other number, and all text, is read as JSON.parse reads it. A
// string survives everything after the ingress unchanged: expressions, workflow ids, Temporal
// payloads, MongoDB documents and outbound bodies (docs/sources.md "Large integers").

/** Quick test: without a run of 16 digits, no integer literal can be unsafe. */
const LONG_DIGITS = /\d{16}/;

export function parseExactJson(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
  return JSON.parse(LONG_DIGITS.test(text) ? quoteUnsafeIntegers(text) : text, reviver);
}

/** The text with each unsafe integer literal outside strings put in quotes; malformed JSON is left for JSON.parse to refuse. */
export function quoteUnsafeIntegers(text: string, prefix = ''): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) { inString = true; continue; }
    if (c !== 45 /* - */ && (c < 48 || c > 57)) continue;
    // A number token: -?digits, then maybe a fraction or an exponent (those stay numbers).
    let end = i + (c === 45 ? 1 : 0);
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    const integer = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69 /* E */;
    if (integer && end - i >= 16 && !Number.isSafeInteger(Number(text.slice(i, end)))) {
      out += `${text.slice(from, i)}"${prefix}${text.slice(i, end)}"`;
      from = end;
    }
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

const BIG = '\u0000bigint:';

/**
 * For tools that edit a body and send it on (hookflow send): unsafe integers are read as BigInt
 * and written back as the same bare digits by stringifyExactJson, so the provider's sample goes
 * out as the provider wrote it.
 */
export function parseExactJsonForEditing(text: string): unknown {
  // The marker is written as JSON's \u0000 escape: no text a provider sends starts with it unescaped here.
  const marked = LONG_DIGITS.test(text) ? quoteUnsafeIntegers(text, '\\u0000bigint:') : text;
  return JSON.parse(marked, (_key, value) => (typeof value === 'string' && value.startsWith(BIG) ? BigInt(value.slice(BIG.length)) : value));
}

export function stringifyExactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${BIG}${v}` : v)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
