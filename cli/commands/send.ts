// hookflow send: build an event from a fixture, sign it with the source's scheme and secret, and
// post it to the ingress exactly as the provider would. Prints the answer.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../../lib/config';
import { formatProblems } from '../../lib/errors';
import { parseExactJsonForEditing, stringifyExactJson } from '../../lib/exact-json';
import { secretKey } from '../../definitions/source-presets';
import { listYamlFiles } from '../../definitions/flows';
import { loadSources } from '../../definitions/sources';
import type { FieldSource, SourceDefinition } from '../../definitions/source-types';
import { signatureHeaders, twilioBodyQuery } from '../../verification/sign';
import { ingressUrl } from '../admin-client';
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';

const PLACEHOLDER = 'placeholder-secret-replaced-by-the-secret-option';

/** Schemes signed with a private key only the provider holds: the source file has the public key. */
const PROVIDER_SIGNED: Partial<Record<string, string>> = {
  discord: 'Discord signs with its application\'s Ed25519 private key; try the endpoint from the Developer Portal (saving the Interactions Endpoint URL sends a signed PING)',
  sendgrid: 'SendGrid signs with its ECDSA private key; use "Test Your Integration" on the Event Webhook settings page',
};

function loadSource(name: string, dir: string, secretGiven: boolean): SourceDefinition {
  if (!existsSync(dir)) throw new Error(`no sources folder at ${dir}; give --sources DIR or set HOOKFLOW_SOURCES_DIR`);
  // The scheme first (secrets unchecked): a public-key source is refused before its key is asked for.
  const scheme = loadSources(listYamlFiles(dir), 'unchecked').sources.find((s) => s.name === name)?.verify.scheme;
  const why = scheme && PROVIDER_SIGNED[scheme];
  if (why) throw new UsageError(`cannot sign for source ${name} (scheme ${scheme}): its file holds only the public key. ${why}`);
  // With --secret, the source's own secret variable need not be set.
  const env = secretGiven ? new Proxy(process.env, { get: (t, k) => (typeof k === 'string' ? t[k] ?? PLACEHOLDER : undefined) }) : process.env;
  const { sources, names, disabled, problems } = loadSources(listYamlFiles(dir), env);
  const source = sources.find((s) => s.name === name);
  if (source) return source;
  const off = disabled.find((d) => d.name === name);
  if (off) throw new Error(`source ${name} is off until ${off.missing.join(' and ')} ${off.missing.length > 1 ? 'are' : 'is'} set (optional: true in its file): set ${off.missing.length > 1 ? 'them' : 'it'} here and for the ingress (then restart npm start), or sign with --secret TEXT`);
  // Only the problems of this source's own file: another source's unset secret is not this one's.
  const own = problems.filter((p) => sourceFileName(p.file) === name);
  if (!own.length) own.push(...problems); // a file named otherwise, or the one that does not read
  if (own.length) throw new Error(`source "${name}" cannot be loaded:\n${formatProblems(own)}${secretGiven ? '' : '\n(or pass the secret with --secret)'}`);
  throw new Error(`no source named "${name}" in ${dir}; known: ${names.join(', ') || 'none'}`);
}

const sourceFileName = (file: string) => basename(file).replace(/\.ya?ml$/, '');

function setAt(body: Record<string, unknown>, path: string, value: string): void {
  const keys = path.split('.');
  let at = body;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

/** Puts an event field where the source reads it: a header (as the provider spells it) or the body. */
function place(field: FieldSource, value: string, body: Record<string, unknown>, headers: Record<string, string>): void {
  if (!field.header) return setAt(body, field.path!, value);
  let v = value;
  const extra = field.appendPath && body[field.appendPath];
  if (typeof extra === 'string' && v.endsWith(`.${extra}`)) v = v.slice(0, -extra.length - 1); // github: "issues.opened" → X-GitHub-Event: issues
  if (field.slashesToDots) v = v.replace(/\./g, '/'); // shopify: "orders.create" → X-Shopify-Topic: orders/create
  headers[field.header] = v;
}

// From the project root, not __dirname: compiled into dist/cli/commands, ../../ is dist/.
const SAMPLES = join(PROJECT_ROOT, 'samples');

function samplePath(scheme: string, type: string): string {
  const path = join(SAMPLES, scheme, `${type}.json`);
  if (/[/\\]|^\./.test(type) || !existsSync(path)) {
    const known = existsSync(join(SAMPLES, scheme)) ? readdirSync(join(SAMPLES, scheme)).map((f) => f.replace(/\.json$/, '')) : [];
    throw new UsageError(`no sample "${type}" for scheme ${scheme}; samples: ${known.join(', ') || 'none'}`);
  }
  return path;
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'Sign a fixture event with its source\'s scheme and secret and post it to the ingress, as the provider would.',
  usage: `hookflow send SOURCE (EVENT.json | --sample TYPE) [--event-id ID | --new-id] [--type TYPE] [--secret TEXT] [--url URL] [--sources DIR]

  SOURCE       a source name (sources/<name>.yaml): its verification scheme and secret sign the body
               (not discord or sendgrid: only the provider holds their private signing key)
  EVENT.json   the body to send (a JSON object)
  --sample     send samples/<scheme>/TYPE.json (shipped per preset, e.g. stripe payment_intent.succeeded)
               with TYPE as its type and an event id made from the sample: sent twice, the second is
               a duplicate (add --new-id to send it as another event)
  --event-id   set the event id where the source reads it (body field or header; an id read from a
               header, e.g. X-GitHub-Delivery, is random unless given)
  --new-id     a fresh random event id, to send one fixture many times
  --type       set the event type where the source reads it (needed when it comes from a header)
  --secret     the signing secret; default: the variable the source names (e.g. PAYMENTS_WEBHOOK_SECRET)
  --url        the ingress (default HOOKFLOW_URL or http://127.0.0.1:3000)
Exit: 0 the ingress answered 2xx, 1 it refused or could not be reached, 2 usage.`,
  async run(args) {
    const parsed = parseArgs(args, ['new-id']);
    const sample = stringOption(parsed, 'sample');
    const [sourceName, fileArg] = parsed.positional;
    if (!sourceName || !fileArg === !sample || parsed.positional.length > (sample ? 1 : 2)) throw new UsageError(this.usage);
    if (parsed.options['new-id'] && parsed.options['event-id']) throw new UsageError('give --event-id or --new-id, not both');
    const secretText = stringOption(parsed, 'secret');
    const source = loadSource(sourceName, stringOption(parsed, 'sources') ?? loadConfig().sourcesDir, secretText !== undefined);
    const eventPath = fileArg ?? samplePath(source.verify.scheme, sample!);
    let fileText: string;
    let body: unknown;
    try {
      fileText = readFileSync(eventPath, 'utf8');
      // Exactly as the provider wrote it: Shopify's 64-bit ids keep every digit.
      body = parseExactJsonForEditing(fileText);
    } catch (err) {
      throw new Error(`cannot read the event file ${eventPath}: ${(err as Error).message}`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error(`${eventPath} must hold a JSON object`);
    const event = body as Record<string, unknown>;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // A sample is one event, typed as its name says: sent again, it is the duplicate it is (its id
    // is made from its bytes); --new-id sends it as another event.
    if (sample) parsed.options.type ??= sample;
    const sampleId = sample ? `evt_sample_${createHash('sha256').update(fileText).digest('hex').slice(0, 16)}` : undefined;
    const eventId = parsed.options['new-id'] ? `evt_${randomUUID().replace(/-/g, '').slice(0, 16)}` : stringOption(parsed, 'event-id') ?? sampleId ?? (source.event.id.header ? `evt_${randomUUID().slice(0, 8)}` : undefined);
    if (eventId) place(source.event.id, eventId, event, headers);
    const type = stringOption(parsed, 'type');
    if (type) place(source.event.type, type, event, headers);
    else if (source.event.type.header) throw new UsageError(`source ${source.name} reads the event type from the ${source.event.type.header} header: give --type`);

    const raw = Buffer.from(stringifyExactJson(event));
    const secret = secretText !== undefined ? secretKey(source.verify.scheme, secretText) : source.verify.secrets[0].value;
    // Twilio signs a JSON body's hash in the URL it posts to (?bodySHA256=).
    const path = `/webhooks/${encodeURIComponent(source.name)}${source.verify.scheme === 'twilio' ? twilioBodyQuery(raw) : ''}`;
    Object.assign(headers, signatureHeaders(source.verify, raw, { secret, messageId: headers['webhook-id'], requestUrl: path }));

    const url = `${ingressUrl(parsed)}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: raw });
    } catch (err) {
      throw new Error(`cannot reach the ingress at ${url} (${(err as Error).message}); is hookflow running? set HOOKFLOW_URL or --url`);
    }
    const text = await res.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
    (res.ok ? console.log : console.error)(`${res.status} ${res.statusText}\n${shown}`);
    return res.ok ? 0 : 1;
  },
};
