// hookflow's own processes as a user starts them (node + tsx), with their output kept so a test
// can wait for a line (a positive signal) instead of sleeping.
import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './paths';

export interface ProjectProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first line matching `pattern` printed after `from` (an output length); fails on exit or timeout. */
  waitForLine(pattern: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `detached` makes the child a process group leader (its pid is the group's id), as a shell does. */
export function spawnProject(command: string, args: string[], env: NodeJS.ProcessEnv, opts: { detached?: boolean } = {}): ProjectProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached });
  let output = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => { for (const w of waiters) w(); resolve({ code, signal }); }));
  return {
    child,
    output: () => output,
    exited,
    waitForLine(pattern, { from = 0, timeoutMs = 60_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = output.slice(from).split('\n').find((l) => pattern.test(l));
          if (line !== undefined) return done(() => resolve(line));
          if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`exited before printing ${pattern}:\n${output}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}:\n${output}`))), timeoutMs);
        const done = (settle: () => void) => { clearTimeout(timer); waiters.delete(check); settle(); };
        waiters.add(check);
        check();
      });
    },
  };
}

/** `node --import tsx <entry>`, the way `npm run ingress` / `npm run worker` run them. */
export function spawnNodeEntry(entry: string, env: NodeJS.ProcessEnv): ProjectProcess {
  return spawnProject(process.execPath, ['--import', 'tsx', entry], env);
}
