// The sandboxes read request bodies bounded: a body over the limit is refused (undefined) rather
// than buffered whole.
import type { IncomingMessage } from 'node:http';

const MAX_BODY = 16 * 1024;

/** The raw body, or undefined once it passes `max` bytes. */
export async function readBody(req: IncomingMessage, max = MAX_BODY): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
