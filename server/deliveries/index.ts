// The delivery store (every request's record, the duplicate check, the outbox) and the relay that
// starts what was stored but not yet started.
export { DeliveryStore, newDeliveryId } from './store';
export { type Relay, type RelayOptions, type StartRecorded, startRelay } from './relay';
export { createStartRecorded } from './relay-start';
export { StoredEventError, storedEvent } from './stored-event';
export * from './record';
export { REJECTIONS_COLLECTION, type RejectionCount, type RejectionCounter } from './rejections';
