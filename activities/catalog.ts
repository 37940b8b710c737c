// What each built-in activity accepts, so flow files are checked before anything runs.
// Pure data: read by the flow loader, the validate command and the docs.

export interface ActivitySpec {
  description: string;
  required: string[];
  optional: string[];
}

export const activityCatalog: Record<string, ActivitySpec> = {
  'mongo.updateOne': {
    description: 'Update one document (operators such as $set, $inc); idempotent across retries.',
    required: ['collection', 'filter', 'update'],
    optional: ['upsert'],
  },
  'mongo.insertOne': {
    description: 'Insert one document; without _id the step idempotency key is used as _id.',
    required: ['collection', 'document'],
    optional: [],
  },
  'email.send': {
    description: 'Send one email over SMTP; at most once per step and event.',
    required: ['to', 'subject'],
    optional: ['cc', 'from', 'text', 'html'],
  },
  log: {
    description: 'Write a line to the worker log.',
    required: ['message'],
    optional: ['level', 'fields'],
  },
};
