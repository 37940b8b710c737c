// Entry point bundled by the worker: every workflow type hookflow registers.
export { runFlow } from './run-flow';
export { runScheduledFlow } from './scheduled';
export { runCorrelatedFlow } from './correlated';
export { runEntityFlow } from './entity';
export { runCollector } from './collect';
export { runGatedFlow } from './gate';
export { deliverOutbound } from './deliver-outbound';
export { runOutboundBatch } from './outbound-batch';
