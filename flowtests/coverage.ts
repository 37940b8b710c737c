// Which steps and branches of a flow its tests exercised, over all their cases: every step
// (nested parallel branches, a wait's onTimeout steps, onFailure, compensations), both sides of
// every `if`, a wait's callback received and not received, and the trigger's filter true and false.
import type { FlowDefinition, StepDefinition } from '../engine/types';
import { isActivityStep, isParallelStep, isWaitStep } from '../engine/types';
import type { Recording } from './test-runtime';
import { stepIdOf } from './test-runtime';

export interface FlowCoverage {
  flow: string;
  steps: { total: number; missed: string[] };
  branches: { total: number; missed: string[] };
}

interface Exercised { reached: Set<string>; skipped: Set<string>; compensated: Set<string>; received: Set<string>; notReceived: Set<string>; started: boolean; notStarted: boolean }

export class CoverageCollector {
  private readonly seen = new Map<string, Exercised>();

  add(flow: string, started: boolean, rec?: Recording): void {
    let e = this.seen.get(flow);
    if (!e) this.seen.set(flow, (e = { reached: new Set(), skipped: new Set(), compensated: new Set(), received: new Set(), notReceived: new Set(), started: false, notStarted: false }));
    if (!started) e.notStarted = true;
    else e.started = true;
    if (!rec) return;
    for (const id of rec.reached) e.reached.add(id);
    for (const id of rec.skipped) e.skipped.add(id);
    for (const c of rec.calls) if (c.compensation) e.compensated.add(stepIdOf(c.label));
    for (const [id, outcome] of rec.waitOutcomes) (outcome === 'received' ? e.received : e.notReceived).add(id);
  }

  of(flow: FlowDefinition): FlowCoverage {
    const e = this.seen.get(flow.name);
    const steps: string[] = [];
    const missedSteps: string[] = [];
    const branches: string[] = [];
    const missedBranches: string[] = [];
    const branch = (name: string, hit: boolean | undefined) => {
      branches.push(name);
      if (!hit) missedBranches.push(name);
    };
    if (flow.trigger.filter) {
      branch('trigger filter true', e?.started);
      branch('trigger filter false', e?.notStarted);
    }
    const visit = (list: StepDefinition[]): boolean => {
      let any = false;
      for (const step of list) {
        let reached = e?.reached.has(step.id) ?? false;
        if (isParallelStep(step)) reached = step.parallel.map((b) => visit(b.steps)).some(Boolean) || reached;
        steps.push(step.id);
        if (!reached) missedSteps.push(step.id);
        if (step.if !== undefined) {
          branch(`${step.id} if true`, reached);
          branch(`${step.id} if false`, e?.skipped.has(step.id));
        }
        if (isWaitStep(step)) {
          branch(`${step.id} callback received`, e?.received.has(step.id));
          branch(`${step.id} no callback`, e?.notReceived.has(step.id));
          if (step.onTimeout) visit(step.onTimeout.steps);
        }
        if (isActivityStep(step) && step.compensate) {
          steps.push(`${step.id}.compensate`);
          if (!e?.compensated.has(step.id)) missedSteps.push(`${step.id}.compensate`);
        }
        any ||= reached;
      }
      return any;
    };
    visit(flow.steps);
    visit(flow.onFailure ?? []);
    return { flow: flow.name, steps: { total: steps.length, missed: missedSteps }, branches: { total: branches.length, missed: missedBranches } };
  }
}

export function coverageLine(c: FlowCoverage): string {
  const part = (what: string, x: { total: number; missed: string[] }) => `${what} ${x.total - x.missed.length}/${x.total}`;
  const missed = [...c.steps.missed.map((s) => `step ${s}`), ...c.branches.missed];
  return `coverage  ${c.flow}  ${part('steps', c.steps)}  ${part('branches', c.branches)}${missed.length ? `  (not exercised: ${missed.join(', ')})` : ''}`;
}
