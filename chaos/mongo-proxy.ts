// A TCP proxy between one worker and FerretDB that can drop the replies of a connection once a
// marked write went through it: the write lands in the database, the attempt never hears so.
// That makes "the write lands, then the attempt is killed" exact instead of a race with the
// worker's completion report.
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export interface HoldingProxy {
  url: string;
  /** From now on, a connection that sends a chunk containing `marker` gets no further replies. */
  holdRepliesAfter(marker: string): void;
  /** Closes the held connections and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  let marker: Buffer | undefined;
  const held = new Set<Socket>();
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    let holding = false;
    open.add(client);
    client.on('data', (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) { holding = true; held.add(client); }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => { if (!holding) client.write(chunk); });
    const end = () => { client.destroy(); upstream.destroy(); open.delete(client); held.delete(client); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    holdRepliesAfter(m) { marker = Buffer.from(m); },
    release() { marker = undefined; for (const s of held) s.destroy(); held.clear(); },
    close() { for (const s of open) s.destroy(); return new Promise((r) => server.close(() => r())); },
  };
}
