// Scheduled flows as Temporal Schedules, kept in step with the flow files by every replica.
export { type ScheduleSyncLoop, type ScheduleSyncOptions, type SyncReport, createScheduleSync, startScheduleSync } from './sync';
