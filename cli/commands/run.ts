// hookflow run --dry-run FLOW EVENT.json: which steps a flow would run for an event and with
// which resolved arguments, using the interpreter's own step logic, touching nothing.
import { readFileSync } from 'node:fs';
import { DefinitionError, MissingEventHeaderError, SchemaViolationError } from '../../lib/errors';
import { idempotencyKeyOf, workflowIdOf } from '../../engine/idempotency';
import { selectFlows } from '../../engine/select';
import { routeOf } from '../../engine/routing';
import { takesEventType } from '../../engine/event-patterns';
import type { FlowEvent } from '../../engine/types';
import type { Command } from '../command';
import type { FieldSource } from '../../definitions/source-types';
import { loadDefinitionsForCli, option, positionals, printProblems } from './definitions-for-cli';
import { dryRun } from './dry-run';
import { readEventField } from '../../verification/event-fields';

const WITH_VALUE = ['--sources', '--schemas', '--outputs', '--fail', '--callback', '--header'];

export const runCommand: Command = {
  name: 'run',
  summary: 'Try a flow on a sample event: --dry-run shows the steps and resolved arguments, touching nothing.',
  usage: 'hookflow run --dry-run FLOW.yaml EVENT.json [--header NAME:VALUE]... [--outputs OUTPUTS.json] [--fail STEP[,STEP]] [--callback CALLBACK.json] [--sources DIR] [--schemas DIR]\n\n' +
    '  EVENT.json     the event body as the provider posts it\n' +
    '  --header       a request header the source reads the event id or type from (e.g. X-GitHub-Event:pull_request)\n' +
    '  --outputs      JSON object of canned activity outputs by step id (e.g. {"ask-provider": {"body": {"status": "succeeded"}}})\n' +
    '  --fail         make these steps fail, to see compensations and onFailure\n' +
    '  --callback     the callback event a wait step receives (without it, waits time out and onTimeout runs)\n\n' +
    '  Secrets are shown as references and need not be set. Exit: 0 the run would complete (or would not\n' +
    '  start), 1 it would fail (a step failing, as with --fail), the files have problems or the event breaks its schema, 2 usage.',
  async run(args) {
    const [flowPath, eventPath] = positionals(args, WITH_VALUE);
    if (!args.includes('--dry-run')) {
      console.error('hookflow run: only --dry-run is supported; to run a flow for real, POST the event to the ingress');
      return 2;
    }
    if (!flowPath || !eventPath) {
      console.error(`usage: ${this.usage}`);
      return 2;
    }
    const defs = loadDefinitionsForCli(args, [flowPath], 'skip');
    if (defs instanceof DefinitionError) {
      printProblems(defs);
      return 1;
    }
    const [flow] = defs.flows;
    const body = readJson(eventPath, 'event');
    // Read id and type as the ingress does, where the source says; a field read from a header
    // that --header does not give falls back to a placeholder id and the flow's first event type.
    const fields = defs.sources.get(flow.trigger.source)?.event ?? { id: { path: 'id' }, type: { path: 'type' } };
    const headers = headerOptions(args);
    const field = (f: FieldSource, what: 'id' | 'type', fallback: string): string => {
      try {
        return readEventField(f, headers, body && typeof body === 'object' ? body : {}, what);
      } catch (err) {
        if (err instanceof MissingEventHeaderError || err instanceof SchemaViolationError) return fallback;
        throw err;
      }
    };
    const type = field(fields.type, 'type', fields.type.header ? flow.trigger.events[0] : '');
    const event: FlowEvent = { id: field(fields.id, 'id', 'evt_dry_run'), type, source: flow.trigger.source, receivedAt: new Date().toISOString(), body };

    const schema = defs.events?.schemaOf(flow.trigger.source, type);
    const violations = (schema ? schema.validate : defs.eventSchemas.get(type))?.(body) ?? [];
    if (violations.length) {
      console.error(`${eventPath}: the event does not match ${schema?.file ?? `schemas/events/${type}.json`}:`);
      for (const v of violations) console.error(`  ${v.path}: ${v.message}`);
      return 1;
    }
    console.log(`flow ${flow.name} (version ${flow.version}) ← ${type || '(no type)'} ${event.id} from ${event.source}`);
    if ((await selectFlows([flow], event)).length === 0) {
      const why = takesEventType(flow.trigger.events, type) ? `its filter is false: ${flow.trigger.filter}` : `it starts on ${flow.trigger.events.join(', ')}, not "${type}"`;
      console.log(`would not start: ${why}`);
      return 0;
    }
    const routed = await routeOf(flow, event, () => idempotencyKeyOf(flow, event));
    if (routed) console.log(`workflow id: ${routed.workflowId} (${routed.route.kind} key ${routed.route.key}; events reach it by signal-with-start)`);
    else console.log(`workflow id: ${workflowIdOf(flow, event.source, await idempotencyKeyOf(flow, event))}`);
    if (!takesEventType(flow.trigger.events, type)) {
      console.log(`"${type}" is a callback for that run: it settles the wait step that waits for it. Dry-run the trigger event with --callback to see the rest.`);
      return 0;
    }
    const callbackPath = option(args, '--callback');
    const callbackBody = callbackPath ? (readJson(callbackPath, 'callback') as Record<string, unknown>) : undefined;
    const outputsPath = option(args, '--outputs');
    const options = {
      outputs: outputsPath ? (readJson(outputsPath, 'outputs') as Record<string, unknown>) : {},
      fail: new Set((option(args, '--fail') ?? '').split(',').filter(Boolean)),
      print: (line: string) => console.log(line),
      callback: callbackBody && { id: String(callbackBody.id ?? 'evt_callback'), type: String(callbackBody.type ?? ''), source: flow.trigger.source, receivedAt: new Date().toISOString(), body: callbackBody },
    };
    try {
      await dryRun(flow, event, options);
      console.log('would complete. Dry run: nothing was called, written or sent.');
      return 0;
    } catch (err) {
      console.log(`would fail: ${(err as Error).message}. Dry run: nothing was called, written or sent.`);
      return 1;
    }
  },
};

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${path}: ${(err as Error).message}`);
  }
}

/** Every --header NAME:VALUE, as the ingress sees request headers (lower-case names). */
function headerOptions(args: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a !== '--header' || args[i + 1] === undefined) return;
    const [name, ...value] = args[i + 1].split(':');
    headers[name.trim().toLowerCase()] = value.join(':').trim();
  });
  return headers;
}
