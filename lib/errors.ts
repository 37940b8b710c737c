// One place for every error the engine answers with: a stable code, an HTTP status,
// and optional details. The Koa error middleware and the workflow failure mapping both read these.

export class HookflowError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class MalformedBodyError extends HookflowError {
  constructor(message: string) { super('malformed_body', 400, message); }
}

/** 401: the request cannot be attributed to the source (missing, invalid or stale signature). */
export class SignatureError extends HookflowError {
  constructor(code: 'signature_missing' | 'signature_invalid' | 'signature_stale', message: string) {
    super(code, 401, message);
  }
}

export class ForbiddenAddressError extends HookflowError {
  constructor(address: string) { super('address_not_allowed', 403, `address ${address} is not allowed for this source`); }
}

export class UnknownSourceError extends HookflowError {
  constructor(source: string) { super('unknown_source', 404, `no source named "${source}" is configured`); }
}

export class PayloadTooLargeError extends HookflowError {
  constructor(limit: number) { super('payload_too_large', 413, `body exceeds the limit of ${limit} bytes`); }
}

/**
 * 408: the client did not send its body within the deadline, or stopped sending it. The client's
 * doing, not the ingress's: answered, recorded and counted under its own reason, never as an error.
 */
export class ClientTimeoutError extends HookflowError {
  constructor(code: 'body_timeout' | 'body_aborted', message: string) { super(code, 408, message); }
}

/** Reasons of requests the client gave up on or dragged out: kept out of issues and the rejection alert. */
export const CLIENT_GONE_REASONS: readonly string[] = ['body_timeout', 'body_aborted'];

export class UnsupportedMediaTypeError extends HookflowError {
  constructor(got: string | undefined, why = 'expected content-type application/json') {
    super('unsupported_media_type', 415, `${why}, got ${got ? `"${got}"` : 'none'}`);
  }
}

/** 400: a header the source reads the event id or type from is missing. */
export class MissingEventHeaderError extends HookflowError {
  constructor(header: string, what: string) { super('event_header_missing', 400, `missing ${header} header (the event ${what})`); }
}

/** 400: a provider's handshake this source does not answer, or one missing what it must carry. */
export class HandshakeError extends HookflowError {
  constructor(code: 'handshake_unknown' | 'handshake_invalid', message: string) { super(code, 400, message); }
}

export interface Violation { path: string; message: string }

export class SchemaViolationError extends HookflowError {
  constructor(readonly eventType: string, readonly violations: Violation[]) {
    super('schema_violation', 422, `event ${eventType} does not match its schema`, violations);
  }
}

/** 503: we cannot durably take the event right now; the provider should retry later. */
export class UnavailableError extends HookflowError {
  constructor(message: string, readonly retryAfterSeconds = 5, cause?: string) {
    super('unavailable', 503, message, cause);
  }
}

/** The ingress is at its admission bound: a 503 answered at once, counted but not logged per request. */
export class OverloadedError extends UnavailableError {}

/** A setting is missing or wrong: start-up stops with this message. */
export class ConfigError extends HookflowError {
  constructor(message: string) { super('config_invalid', 500, message); }
}

/** A process cannot start where it is (a port is taken): one line saying what to do, no stack trace. */
export class StartupError extends HookflowError {
  constructor(message: string) { super('startup_failed', 500, message); }
}

/** Flow files or source files failed validation: carries every problem found. */
export class DefinitionError extends HookflowError {
  constructor(readonly problems: { file: string; line: number; column: number; message: string; hint?: string }[]) {
    super('definition_invalid', 500, formatProblems(problems));
  }
}

export function formatProblems(problems: DefinitionError['problems']): string {
  return problems
    .map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? `\n    hint: ${p.hint}` : ''}`)
    .join('\n');
}

/**
 * The workflow engine refused to start an event's runs for a reason a retry cannot change (an
 * unknown namespace, a search attribute not registered, a payload over the limit, a vanished
 * flow). The event stays stored, marked failed with `reason` (a stable code) for an operator.
 */
export class StartRefusedError extends HookflowError {
  constructor(readonly reason: string, message: string) {
    super('start_refused', 500, `the event is stored but its run cannot be started: ${message}`);
  }
}

/** An error as one bounded line for records and logs: "Name: message". */
export function errorText(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500);
}

/** 422: a versioned event type, and a version hookflow has no schema for (or none given). Grouped in issues by source. */
export class UnknownEventVersionError extends HookflowError {
  constructor(readonly eventType: string, readonly version: string | undefined, readonly known: string[]) {
    super('unknown_event_version', 422, version === undefined
      ? `event ${eventType} carries no version; known versions: ${known.join(', ')}`
      : `event ${eventType} has version "${version.slice(0, 64)}", which has no schema; known versions: ${known.join(', ')}`);
  }
}
