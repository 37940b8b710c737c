// The webhook request pipeline: the public listener's Koa app and the framework-free handler of
// {headers, rawBody} behind it (verify, parse, validate, store, start).
export { type AppDeps, createApp } from './app';
export { type AdmissionOptions, DEFAULT_ADMISSION_FLOOR, DEFAULT_ADMISSION_TARGET_MS } from './admission';
export { type WebhookDeps, type WebhookRequest, type WebhookResponse, handleWebhook } from './webhook';
