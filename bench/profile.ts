// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per area (a
// package, Node's internals, hookflow's own files, GC), leaving out idle time and, optionally,
// everything before a moment. Profile timestamps are CLOCK_MONOTONIC microseconds, the clock of
// process.hrtime in any process on the machine, so the bench cuts each thread's profile at the
// moment its load began. Pure: takes the parsed JSON.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  idleMs: number;
  topFunctions: SelfTime[];
  byArea: SelfTime[];
}

/** Where a script lives: a package name, "node:internals", a project path, or V8 itself. */
export function areaOf(url: string, functionName: string, projectRoot: string): string {
  if (functionName === '(garbage collector)') return 'V8 garbage collector';
  if (!url) return functionName.startsWith('(') ? `V8 ${functionName}` : 'V8 / native';
  if (url.startsWith('node:')) return 'Node.js internals';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.startsWith(projectRoot)) return `hookflow ${path.slice(projectRoot.length).replace(/^\//, '')}`;
  return path;
}

function describe(frame: CpuProfile['nodes'][number]['callFrame'], projectRoot: string): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  const path = frame.url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? path.slice(nm + '/node_modules/'.length) : path.startsWith(projectRoot) ? path.slice(projectRoot.length + 1) : path;
  return `${fn} ${short}:${frame.lineNumber + 1}`;
}

function ranked(totals: Map<string, number>, busyMs: number, limit: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, selfMs: ms, pct: busyMs > 0 ? (100 * ms) / busyMs : 0 }));
}

export function summarizeProfile(profile: CpuProfile, opts: { projectRoot: string; fromUs?: number; top?: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const skipUntil = Math.max(profile.startTime, opts.fromUs ?? 0);
  const fnTotals = new Map<string, number>();
  const areaTotals = new Map<string, number>();
  let t = profile.startTime;
  let busyMs = 0;
  let idleMs = 0;
  for (let k = 0; k < profile.samples.length; k++) {
    t += profile.timeDeltas[k] ?? 0;
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[k + 1] ?? 0) / 1000;
    if (t < skipUntil || ms <= 0) continue;
    const frame = byId.get(profile.samples[k]);
    if (!frame) continue;
    if (frame.functionName === '(idle)') { idleMs += ms; continue; }
    busyMs += ms;
    const fn = describe(frame, opts.projectRoot);
    fnTotals.set(fn, (fnTotals.get(fn) ?? 0) + ms);
    const area = areaOf(frame.url, frame.functionName, opts.projectRoot);
    areaTotals.set(area, (areaTotals.get(area) ?? 0) + ms);
  }
  return {
    windowMs: (profile.endTime - skipUntil) / 1000,
    busyMs,
    idleMs,
    topFunctions: ranked(fnTotals, busyMs, opts.top ?? 15),
    byArea: ranked(areaTotals, busyMs, opts.top ?? 15),
  };
}
