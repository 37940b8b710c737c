// The reload log's summary: flows, sources and event types by name, added, changed or removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definitionChanges, describeChanges } from '../../definitions/definition-changes';
import type { Definitions } from '../../definitions/definitions';
import type { FlowDefinition } from '../../engine/types';
import type { SourceDefinition } from '../../definitions/source-types';

const flow = (name: string, version: string) => ({ name, version }) as FlowDefinition;
const source = (name: string, maxBodyBytes: number) => ({ name, maxBodyBytes }) as SourceDefinition;
const defs = (flows: FlowDefinition[], sources: SourceDefinition[], types: string[]): Definitions =>
  ({ flows, sources: new Map(sources.map((s) => [s.name, s])), eventSchemas: new Map(types.map((t) => [t, (() => true) as never])) });

test('names what was added, changed and removed, and says so when nothing changed', () => {
  const before = defs([flow('a', '1'), flow('b', '1')], [source('payments', 10), source('old', 1)], ['x.created']);
  const after = defs([flow('a', '2'), flow('c', '1')], [source('payments', 20), source('shop', 1)], ['x.created', 'y.created']);
  const changes = definitionChanges(before, after);
  assert.deepEqual(changes.flows, { added: ['c'], changed: ['a'], removed: ['b'] });
  assert.deepEqual(changes.sources, { added: ['shop'], changed: ['payments'], removed: ['old'] });
  assert.equal(describeChanges(changes), 'flows added c; changed a; removed b · sources added shop; changed payments; removed old · event types added y.created');
  assert.equal(describeChanges(definitionChanges(after, after)), 'nothing changed');
});
