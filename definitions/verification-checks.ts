// What start-up and the first request would find wrong in a source's verify block, reported by
// validate at file:line:col: keys that do not apply to the scheme, a URL-signed preset without its
// URL, and hmac settings that cannot verify anything (an unsigned timestamp, a header used twice).
import type { SecretRef } from './source-secrets';
import { TIMESTAMPED_SCHEMES, URL_SIGNED_SCHEMES } from './source-presets';
import type { HmacVerification, VerificationScheme } from './source-types';
import type { Problem, YamlFile } from './yaml-file';

export type RawVerify = Partial<Omit<HmacVerification, 'secrets' | 'scheme' | 'parts'>> & {
  scheme: VerificationScheme;
  secrets: SecretRef[];
  publicUrl?: string;
  parts?: { separator?: string; signature: string; timestamp?: string };
};

const HMAC_ONLY = ['header', 'algorithm', 'encoding', 'prefix', 'timestampHeader', 'parts', 'signedPayload'] as const;
const isUrlSigned = (scheme: VerificationScheme) => (URL_SIGNED_SCHEMES as readonly string[]).includes(scheme);

export function presetKeyProblems(v: RawVerify, yaml: YamlFile): Problem[] {
  const problems: Problem[] = [];
  const at = (key: string, message: string, hint?: string) => problems.push(yaml.at(['verify', key], message, hint));
  if (v.scheme !== 'hmac') {
    for (const key of HMAC_ONLY) if (v[key] !== undefined) at(key, `"${key}" only applies to scheme hmac`, `the ${v.scheme} preset fixes it; remove the line`);
  }
  if (v.toleranceSeconds !== undefined && !TIMESTAMPED_SCHEMES.has(v.scheme)) {
    at('toleranceSeconds', `"toleranceSeconds" does not apply to scheme ${v.scheme}: it signs no timestamp`, 'remove the line; redeliveries are caught by the event id');
  }
  if (isUrlSigned(v.scheme)) {
    if (v.publicUrl === undefined) problems.push(yaml.at(['verify'], `scheme ${v.scheme} signs the URL it posts to: set verify.publicUrl`, 'the URL exactly as registered with the provider, e.g. https://hooks.example.com/webhooks/<name>'));
    else if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(v.publicUrl)) at('publicUrl', `publicUrl "${v.publicUrl.slice(0, 200)}" is not an http(s) URL without query or fragment`, 'the query string is taken from each request as it arrives');
  } else if (v.publicUrl !== undefined) {
    at('publicUrl', `"publicUrl" does not apply to scheme ${v.scheme}`, `only ${URL_SIGNED_SCHEMES.join(' and ')} sign the URL; remove the line`);
  }
  return problems;
}

export function hmacProblems(spec: HmacVerification, v: RawVerify, yaml: YamlFile): Problem[] {
  const problems: Problem[] = [];
  const at = (key: string, message: string, hint?: string) => problems.push(yaml.at(['verify', key], message, hint));
  if (spec.timestampHeader && spec.timestampHeader === spec.header) {
    at('timestampHeader', `timestampHeader is the signature header (${v.header})`, `when one header holds both (e.g. "ts=…;h1=…"), describe it with parts: { separator: ";", timestamp: ts, signature: h1 } instead`);
  }
  if (spec.timestampHeader && spec.parts) at('parts', 'give either timestampHeader or parts, not both', 'parts.timestamp names the timestamp inside the signature header');
  const timestamped = Boolean(spec.timestampHeader || spec.parts?.timestamp);
  if (v.signedPayload !== undefined) {
    if (timestamped && !v.signedPayload.includes('{timestamp}')) {
      at('signedPayload', 'signedPayload has no {timestamp} while a timestamp is read: the timestamp would not be signed, so anyone could refresh it', 'write e.g. "{timestamp}.{body}" as the provider documents');
    }
    if (!timestamped && v.signedPayload.includes('{timestamp}')) at('signedPayload', 'signedPayload uses {timestamp} but no timestamp is read', 'set timestampHeader (or parts.timestamp)');
    if (!v.signedPayload.includes('{body}')) at('signedPayload', 'signedPayload has no {body}: the body would not be signed', 'include {body} where the provider puts the raw body');
  }
  if (spec.parts && spec.parts.signature === spec.parts.timestamp) at('parts', 'parts.signature and parts.timestamp name the same key');
  return problems;
}
