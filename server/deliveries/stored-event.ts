// An event rebuilt from its stored delivery record, as the flows first saw it: what the relay
// starts and what a replay repeats.
import type { FlowEvent } from '../../engine/types';
import { storedEventBody } from '../../verification/request-body';
import { type DeliveryRecord, bodyBytes } from './record';

export class StoredEventError extends Error {
  constructor(readonly reason: 'event_incomplete' | 'body_unreadable', message: string) { super(message); }
}

/** Throws StoredEventError when the record holds no complete event or its bytes cannot be read. */
export function storedEvent(record: DeliveryRecord): FlowEvent {
  if (!record.body || record.body.truncated || !record.eventId || !record.eventType) throw new StoredEventError('event_incomplete', `delivery ${record._id} has no complete stored body`);
  let body: Record<string, unknown>;
  try {
    body = storedEventBody(record, bodyBytes(record.body));
  } catch (err) {
    throw new StoredEventError('body_unreadable', `the stored body of delivery ${record._id} cannot be read: ${(err as Error).message}`);
  }
  return { id: record.eventId, type: record.eventType, source: record.source, receivedAt: record.receivedAt.toISOString(), body, ...(record.eventVersion !== undefined && { version: record.eventVersion }) };
}
