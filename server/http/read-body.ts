// Reads a request's body with a byte bound and a deadline, for both listeners' Koa routes.
import type { IncomingMessage } from 'node:http';
import { ClientTimeoutError, PayloadTooLargeError } from '../../lib/errors';

/** How long a client may take to send its whole body; a provider sends it in milliseconds. */
export const DEFAULT_BODY_DEADLINE_MS = 10_000;

/**
 * Reads the body, refusing it as soon as it passes `limit` bytes (not after buffering it all), when
 * it is not complete within `deadlineMs` (408 body_timeout: a slow client holds no slot for long), or
 * when the client stops sending (408 body_aborted).
 */
export function readBody(req: IncomingMessage, limit: number, deadlineMs = DEFAULT_BODY_DEADLINE_MS): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A refused body is drained; a late or cut one is not (its answer closes the connection, base-app.ts).
    const fail = (err: Error, drain: boolean) => {
      cleanup();
      if (drain) req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new PayloadTooLargeError(limit), true);
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)); };
    const onAborted = () => fail(new ClientTimeoutError('body_aborted', `the client stopped sending its body after ${size} bytes`), false);
    const onClose = () => { if (!req.complete) onAborted(); };
    const timer = setTimeout(() => fail(new ClientTimeoutError('body_timeout', `the body did not arrive within ${deadlineMs} ms (${size} bytes came)`), false), deadlineMs);
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData); req.off('end', onEnd); req.off('error', onAborted); req.off('aborted', onAborted); req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAborted);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
}
