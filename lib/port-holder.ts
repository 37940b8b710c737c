// Who listens on a port, read from /proc (Linux): the socket's inode in /proc/net/tcp{,6}, then
// the process whose fd points at it. Enough to say "port 3000 is taken by pid 123: node …".
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { StartupError } from './errors';

export interface PortHolder {
  pid: number;
  command: string;
}

const LISTEN = '0A';

/** The listening process, or undefined where /proc does not tell (another user's process, not Linux). */
export function portHolder(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === LISTEN && parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (!inodes.size) return undefined;
  for (const pid of readdirSafe('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
      const target = readlinkSafe(`/proc/${pid}/fd/${fd}`);
      const inode = target && /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return { pid: Number(pid), command: commandLine(Number(pid)) };
    }
  }
  return undefined;
}

/** "port 3000 (PORT) is already in use by pid 12: node …. Stop it, or set PORT to another port." */
export function portInUseError(port: number, envName: string): StartupError {
  const holder = portHolder(port);
  const who = holder ? `pid ${holder.pid}: ${holder.command}` : 'a process this user cannot see (try `ss -ltnp`)';
  return new StartupError(`port ${port} (${envName}) is already in use by ${who}. Stop it, or set ${envName} to another port.`);
}

/** A listen error as start-up reports it: a taken port names its holder; anything else as it is. */
export function listenError(err: unknown, port: number, envName: string): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? portInUseError(port, envName) : err;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
}

function readdirSafe(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function readlinkSafe(path: string): string | undefined {
  try { return readlinkSync(path); } catch { return undefined; }
}
