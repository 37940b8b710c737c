// The ingress under load with node --cpu-prof: the same autocannon run as case 1, in a separate
// ingress so the profiler's overhead stays out of the figures. Start-up and warm-up are cut off.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BenchContext, describeRun, figures, type RunFigures } from './context';
import { ROOT } from './direct-start';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './profile';
import { autocannonLoad } from './http-load';
import { startIngress } from './processes';

export interface ProfileResults {
  file: string;
  run: RunFigures;
  summary: ProfileSummary;
}

export async function profileCase(ctx: BenchContext, dir: string): Promise<ProfileResults> {
  mkdirSync(dir, { recursive: true });
  ctx.say('profile: one ingress with --cpu-prof under the case 1 load');
  const spawnedAt = performance.now();
  const ingress = await startIngress(ctx.child('bench-profile', ['--cpu-prof', '--cpu-prof-dir', dir]));
  const { events, warmup, connections, maxSeconds } = ctx.options;
  const urls = [ingress.url!];
  await autocannonLoad({ urls, events: warmup, connections, maxSeconds, runTag: ctx.tag('pw') });
  const loadStartedAt = performance.now();
  const run = figures(await autocannonLoad({ urls, events, connections, maxSeconds, runTag: ctx.tag('p') }));
  ctx.say(describeRun('  ingress (profiled)', run));
  await ingress.stop(); // the profile is written as the process exits
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${ingress.pid}.`));
  if (!name) throw new Error(`no .cpuprofile for pid ${ingress.pid} in ${dir}`);
  const file = join(dir, name);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, { projectRoot: ROOT, skipFirstMs: loadStartedAt - spawnedAt });
  return { file, run, summary };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms of ${s.windowMs.toFixed(0)} ms under load`, 'self time by area:'];
  for (const a of s.byArea.slice(0, 10)) lines.push(`  ${a.pct.toFixed(1).padStart(5)}%  ${a.selfMs.toFixed(0).padStart(6)} ms  ${a.name}`);
  lines.push('top self-time functions:');
  for (const f of s.topFunctions) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}`);
  return lines.join('\n');
}
