// What both listeners share: the base Koa app (request ids, the one error mapping), the ops
// routes (/readyz, /metrics), body reading and listening (HTTP or HTTPS).
export { createBaseApp } from './base-app';
export { type IngressOps, QUIET_PATHS, addOpsRoutes } from './ops-routes';
export { readBody } from './read-body';
export { type ListenOptions, type Listening, listen } from './listen';
