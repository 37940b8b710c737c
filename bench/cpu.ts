// CPU time actually used per process, from /proc/<pid>/stat (utime + stime). Unlike a CPU
// profile's "busy" time it does not count time spent waiting for a core, so it stays honest on
// a machine shared with other work. Taken around each measured run, it says where each event's
// CPU goes: load generator, ingress, Temporal server.
import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ: the unit of utime/stime. 100 on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  comm: string;
  ppid: number;
  cpuMs: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are read after the last ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { comm: text.slice(open + 1, close), ppid, cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Children of `ppid` whose command name is `comm` (e.g. the Temporal dev server this bench started). */
export function childPids(ppid: number, comm: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    const stat = readProcStat(pid);
    return stat?.ppid === ppid && stat.comm === comm;
  });
}

/** CPU milliseconds used by each named group of processes between start() and the returned stop(). */
export function cpuMeter(groups: Record<string, () => number[]>): () => Record<string, number> {
  const self = () => process.cpuUsage();
  const sum = (pids: number[]) => pids.reduce((ms, pid) => ms + (readProcStat(pid)?.cpuMs ?? 0), 0);
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids())]));
  const selfBefore = self();
  return () => {
    const used: Record<string, number> = {};
    for (const [name, pids] of Object.entries(groups)) used[name] = sum(pids()) - before[name];
    const s = process.cpuUsage(selfBefore);
    used['load generator (bench process)'] = (s.user + s.system) / 1000;
    return used;
  };
}
