// Resident memory of child processes, read from /proc/<pid>/status (Linux): VmRSS now, VmHWM
// the peak since the process started. A sampler keeps the highest VmRSS seen per process during
// a phase, which (unlike VmHWM) leaves out start-up spikes such as workflow bundling.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssKb: number;
  hwmKb: number;
}

/** Parses VmRSS and VmHWM (in kB) out of a /proc/<pid>/status text; undefined when absent. */
export function parseProcStatus(text: string): ProcMemory | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  return rssKb === undefined || hwmKb === undefined ? undefined : { rssKb, hwmKb };
}

export function readProcMemory(pid: number): ProcMemory | undefined {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined; // the process is gone, or this is not Linux
  }
}

export class RssSampler {
  private peaks = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => number[], private readonly everyMs = 100) {}

  /** Starts a new phase: forgets earlier peaks and samples until stop(). */
  start(): void {
    this.peaks.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  /** Stops sampling; returns the peak VmRSS in MB per pid seen during the phase. */
  stop(): Map<number, number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return new Map([...this.peaks].map(([pid, kb]) => [pid, kb / 1024]));
  }

  private sample(): void {
    for (const pid of this.pids()) {
      const mem = readProcMemory(pid);
      if (mem) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, mem.rssKb));
    }
  }
}
