// The operator console: server-rendered pages over the admin API's own functions, served on the
// admin listener under /console (see docs/operations.md "The console").
export { createConsoleRouter, type ConsoleDeps } from './router';
export { createSessions, sessionCheck, type Sessions } from './session';
export { mongoRevocations, type SessionRevocations } from './revocations';
