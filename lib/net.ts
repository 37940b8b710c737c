// Network helpers used by processes and tests alike.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// A port handed out here is listened on later, by another process maybe. Ports from the OS's
// ephemeral range can be taken meanwhile by any outgoing connection's local end (CI saw
// EADDRINUSE that way), so ports are drawn below that range, and never twice from one process.
const handedOut = new Set<number>();
const LOWEST = 10_000;

function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768; // not Linux: the common default (IANA's range starts higher still)
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on right now, outside the ephemeral range, not handed out before. */
export async function freePort(): Promise<number> {
  const span = ephemeralRangeStart() - LOWEST;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${LOWEST + span}`);
}
