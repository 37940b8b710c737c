// Child processes of the dev stack: start, wait until their port answers, stop cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createConnection } from 'node:net';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append output here; otherwise it is shown with a [name] prefix when `echo` is set, or dropped. */
  logFile?: string;
  echo?: boolean;
  /**
   * How the child learns that its launcher is gone, even after `kill -9` of the launcher:
   * 'ipc' for node children (they stop as on SIGTERM when the channel closes, lib/launcher-watch.ts);
   * otherwise the kernel sends SIGTERM (`setpriv --pdeathsig`, Linux, where util-linux is installed).
   */
  parentWatch?: 'ipc' | 'pdeathsig';
  /** Run as this user (setpriv; the launcher runs as root and the program refuses root, e.g. PostgreSQL). */
  runAs?: string;
  /** What stop() sends first (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
}

/** util-linux's setpriv: execs the command with a parent-death signal, so the pid stays the command's. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export function startProcess(opts: SpawnOptions): ManagedProcess {
  const ipc = opts.parentWatch === 'ipc';
  if (opts.runAs && !SETPRIV) throw new Error(`${opts.name} must run as the user ${opts.runAs}: that needs setpriv (util-linux)`);
  // setpriv changes the user before it sets the parent-death signal, so the signal survives the change.
  const user = opts.runAs ? [`--reuid=${opts.runAs}`, `--regid=${opts.runAs}`, '--init-groups'] : [];
  const [command, args] = !ipc && SETPRIV ? [SETPRIV, [...user, '--pdeathsig', 'TERM', '--', opts.command, ...opts.args]] : [opts.command, opts.args];
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'] });
  const sink = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  const forward = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    if (!sink?.writableEnded) sink?.write(chunk);
    if (opts.echo) {
      for (const line of chunk.toString().split('\n')) if (line) stream.write(`[${opts.name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
  // The log ends when the pipes close, not at exit: a killed PostgreSQL's backends outlive it
  // for a moment and still write to the stderr they inherited.
  child.once('close', () => sink?.end());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: opts.name,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(opts.stopSignal ?? 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until `check` passes, failing early if the process dies. */
export async function waitUntil(proc: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with code ${proc.child.exitCode} before ${what}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name}: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}
