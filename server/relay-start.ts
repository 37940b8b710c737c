// How the relay starts a stored event: the runs planned when it was accepted (same workflow ids),
// with the flow definitions in force now and the event rebuilt from the stored body.
import type { FlowEvent } from '../engine/types';
import type { Definitions } from '../definitions/definitions';
import { bodyBytes } from './deliveries/record';
import type { StartRecorded } from './deliveries/relay';
import { StartRefusedError } from '../lib/errors';
import { storedEventBody } from './request-body';
import { type PlannedRun, type RunStarter, recordedRun } from './planned-runs';

export function createStartRecorded(getDefinitions: () => Pick<Definitions, 'flows'>, startRuns: RunStarter): StartRecorded {
  return async (record, log) => {
    const { flows } = getDefinitions();
    const planned = record.runs.map((r): PlannedRun => {
      const flow = flows.find((f) => f.name === r.flow);
      if (!flow) throw new StartRefusedError('flow_missing', `flow ${r.flow} no longer exists`);
      return { flow, workflowId: r.workflowId, ...(r.route && { route: r.route }) };
    });
    if (!record.body || record.body.truncated || !record.eventId || !record.eventType) throw new StartRefusedError('event_incomplete', 'the stored event is incomplete');
    let body: unknown;
    try {
      body = storedEventBody(record, bodyBytes(record.body));
    } catch (err) {
      throw new StartRefusedError('body_unreadable', `the stored body cannot be read: ${(err as Error).message}`);
    }
    const event: FlowEvent = { id: record.eventId, type: record.eventType, source: record.source, receivedAt: record.receivedAt.toISOString(), body };
    const started = await startRuns(planned, event, log);
    return started.map(recordedRun);
  };
}
