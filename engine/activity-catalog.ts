// What each built-in activity accepts, as a JSON Schema per activity, so flow files are checked
// before anything runs. Pure data: read by the flow loader, the validate command and the docs.
// Values that are one whole {{ template }} are only known at run time; the loader skips them.

export interface ActivitySpec {
  description: string;
  /** JSON Schema (draft-07) of the `with:` object. */
  args: Record<string, unknown> & { properties: Record<string, unknown> };
}

/** mongo.find: hard cap on documents one step may read (a run's history must stay small), and the default. */
export const FIND_MAX_LIMIT = 1000;
export const FIND_DEFAULT_LIMIT = 100;

const str = { type: 'string', minLength: 1 };
const address = { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' };
const addresses = { oneOf: [address, { type: 'array', minItems: 1, items: address }] };
const mongoOperators = { type: 'object', minProperties: 1, propertyNames: { pattern: '^\\$' } };
/** A filter value a template makes into an operator ($ne, $in…) fails the step unless the step says so (engine/run-guards.ts). */
const operatorsFromData = { type: 'boolean', description: 'Let templated filter values be MongoDB operators ({"$in": [...]}) chosen by data; off by default.' };
/** A write's filter names its one document by _id, so a retry or an upsert cannot reach another (activities/effect-record.ts). */
const oneDocument = { type: 'object', required: ['_id'], properties: { _id: { type: ['string', 'number'] } } };
/** `{ secret: ENV_NAME }`: resolved from the worker's environment inside the activity only. */
export const secretRef = {
  type: 'object',
  additionalProperties: false,
  required: ['secret'],
  properties: { secret: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
};

const args = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties });

export const activityCatalog: Record<string, ActivitySpec> = {
  'mongo.updateOne': {
    description: 'Update the one document the filter names by _id (operators such as $set, $inc); idempotent across retries.',
    args: args(['collection', 'filter', 'update'], { collection: str, filter: oneDocument, update: mongoOperators, upsert: { type: 'boolean' }, operatorsFromData }),
  },
  'mongo.insertOne': {
    description: 'Insert one document; without _id the step idempotency key is used as _id.',
    args: args(['collection', 'document'], { collection: str, document: { type: 'object' } }),
  },
  'mongo.findOneAndUpdate': {
    description: 'Update the one document the filter names by _id and return it (after the update by default); idempotent across retries.',
    args: args(['collection', 'filter', 'update'], {
      collection: str,
      filter: oneDocument,
      update: mongoOperators,
      upsert: { type: 'boolean' },
      returnDocument: { enum: ['before', 'after'] },
      operatorsFromData,
    }),
  },
  'mongo.find': {
    description: `Read documents (filter, projection, sort, limit up to ${FIND_MAX_LIMIT}, default ${FIND_DEFAULT_LIMIT}); read-only. Output: documents, count, limited.`,
    args: args(['collection'], {
      collection: str,
      filter: { type: 'object' },
      projection: { type: 'object' },
      sort: { type: 'object', additionalProperties: { enum: [1, -1] } },
      limit: { type: 'integer', minimum: 1, maximum: FIND_MAX_LIMIT },
      operatorsFromData,
    }),
  },
  'email.send': {
    description: 'Send one email over SMTP (text and/or html, to and cc); at most once per step and event.',
    args: {
      ...args(['to', 'subject'], { to: addresses, cc: addresses, from: str, subject: str, text: { type: 'string' }, html: { type: 'string' } }),
      anyOf: [{ required: ['text'] }, { required: ['html'] }],
    },
  },
  'http.request': {
    description: 'Call an HTTP API with a JSON body; 4xx (but 408/429) fail at once, 5xx and network errors are retried.',
    args: args(['url'], {
      method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] },
      // The URL's origin is the flow file's: a literal or a declared secret, never a template (definitions/egress-checks.ts).
      url: { oneOf: [{ type: 'string', pattern: '^https?://' }, secretRef] },
      path: { type: 'string', pattern: '^/' },
      headers: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, secretRef] } },
      body: {},
      timeout: { type: 'string', pattern: '^[0-9]+(ms|s|m)$' },
      expectStatus: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 100, maximum: 599 } },
      sign: args(['secret'], {
        secret: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        algorithm: { enum: ['sha256', 'sha512'] },
        header: str,
        prefix: { type: 'string' },
        timestampHeader: str,
      }),
    }),
  },
  'webhook.publish': {
    description: 'Publish an event to every destination subscribed to its type (destinations/*.yaml): one durable delivery per destination, signed and retried on its schedule. Output: messageId, deliveries, destinations.',
    args: args(['type', 'data'], {
      type: { type: 'string', pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' },
      version: { type: 'string', minLength: 1 },
      data: {},
    }),
  },
  log: {
    description: 'Write a line to the worker log.',
    args: args(['message'], { message: { type: 'string' }, level: { enum: ['info', 'warn', 'error'] }, fields: { type: 'object' } }),
  },
};
