// How the relay starts a stored event: the runs planned when it was accepted (same workflow ids),
// with the flow definitions in force now and the event rebuilt from the stored body.
import type { Definitions } from '../../definitions/definitions';
import { UpcastError, eventForFlow } from '../../engine/event-versions';
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
    // Each flow gets the event as it takes it (upcast to its version), as the request would have given it.
    const sent = event;
    const own = await Promise.all(planned.map((p) => eventForFlow(p.flow, sent).catch((err) => {
      if (err instanceof UpcastError) throw new StartRefusedError('upcast_failed', err.message);
      throw err;
    })));
    const started = await startRuns(planned.map((p, i) => (own[i] === sent ? p : { ...p, event: own[i] })), event, log);
    return started.map(recordedRun);
  };
}
