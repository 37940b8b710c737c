// How the relay starts a stored event: the runs planned when it was accepted (same workflow ids),
// with the flow definitions in force now and the event rebuilt from the stored body.
import type { Definitions } from '../../definitions/definitions';
import { StartRefusedError } from '../../lib/errors';
import type { PlannedRun, RunStarter } from '../starts';
import { recordedRun } from './record';
import type { StartRecorded } from './relay';
import { StoredEventError, storedEvent } from './stored-event';

export function createStartRecorded(getDefinitions: () => Pick<Definitions, 'flows'>, startRuns: RunStarter): StartRecorded {
  return async (record, log) => {
    const { flows } = getDefinitions();
    const planned = record.runs.map((r): PlannedRun => {
      const flow = flows.find((f) => f.name === r.flow);
      if (!flow) throw new StartRefusedError('flow_missing', `flow ${r.flow} no longer exists`);
      return { flow, workflowId: r.workflowId, ...(r.route && { route: r.route }) };
    });
    let event;
    try {
      event = storedEvent(record);
    } catch (err) {
      if (err instanceof StoredEventError) throw new StartRefusedError(err.reason, err.message);
      throw err;
    }
    const started = await startRuns(planned, event, log);
    return started.map(recordedRun);
  };
}
