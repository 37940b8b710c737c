// Reads a request's body with a byte bound, for both listeners' Koa routes.
import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../../lib/errors';

/** Reads the body, refusing it as soon as it passes `limit` bytes (not after buffering it all). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: Error) => { cleanup(); req.resume(); reject(err); };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new PayloadTooLargeError(limit));
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)); };
    const onError = (err: Error) => fail(err);
    const cleanup = () => { req.off('data', onData); req.off('end', onEnd); req.off('error', onError); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
