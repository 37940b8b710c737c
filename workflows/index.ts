// Entry point bundled by the worker: every workflow type hookflow registers.
export { runFlow } from './interpreter';
export { runScheduledFlow } from './scheduled';
