// A file that fails the schema still gets its semantic checks (unknown steps, bad expressions…),
// so one run reports everything. This keeps only the parts shaped well enough to check.
import type { FlowDefinition, StepDefinition } from '../engine/types';
import type { ReconcileSpec, WaitSpec } from '../engine/types';

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function bestEffortFlow(data: unknown): Omit<FlowDefinition, 'version'> | undefined {
  if (!isObject(data) || !isObject(data.trigger) || !Array.isArray(data.steps)) return undefined;
  const t = data.trigger;
  const events = Array.isArray(t.events) ? t.events.filter((e): e is string => typeof e === 'string') : [];
  return {
    name: str(data.name) ?? '',
    // Positions kept; an entry of the wrong shape becomes '' (its schema problem is reported).
    ...(Array.isArray(data.secrets) && { secrets: data.secrets.map((d) => (typeof d === 'string' ? d : isObject(d) && typeof d.name === 'string' ? { name: d.name, hosts: strings(d.hosts) } : '')) }),
    trigger: 'schedule' in t
      ? ({ ...t, schedule: isObject(t.schedule) ? t.schedule : {} } as unknown as FlowDefinition['trigger'])
      : { source: str(t.source) ?? '', events, filter: str(t.filter), idempotencyKey: str(t.idempotencyKey) },
    steps: steps(data.steps),
    onFailure: Array.isArray(data.onFailure) ? steps(data.onFailure) : undefined,
    correlation: isObject(data.correlation) ? { key: str(data.correlation.key) ?? '' } : undefined,
    entityKey: str(data.entityKey),
    ...(isObject(data.rateLimit) && { rateLimit: { limit: 0, period: '', key: str(data.rateLimit.key) } }),
    ...((typeof data.priority === 'string' || typeof data.priority === 'number') && { priority: data.priority }),
    ...(isObject(data.fairness) && { fairness: { key: str(data.fairness.key) ?? '', weight: typeof data.fairness.weight === 'number' ? data.fairness.weight : str(data.fairness.weight) } }),
    // Checked defensively (definitions/collect-checks.ts): the values may have the wrong types.
    debounce: isObject(data.debounce) ? (data.debounce as unknown as FlowDefinition['debounce']) : undefined,
    batch: isObject(data.batch) ? (data.batch as unknown as FlowDefinition['batch']) : undefined,
    concurrency: isObject(data.concurrency) ? (data.concurrency as unknown as FlowDefinition['concurrency']) : undefined,
    throttle: isObject(data.throttle) ? (data.throttle as unknown as FlowDefinition['throttle']) : undefined,
  };
}

/** Keeps positions (index i stays index i) so problems point at the right lines. */
function steps(list: unknown[]): StepDefinition[] {
  return list.map((s) => {
    if (!isObject(s)) return { id: '', delay: '0s' };
    const step: Loose = { id: str(s.id) ?? '' };
    for (const key of ['if', 'forEach', 'as', 'uses', 'delay'] as const) if (typeof s[key] === 'string') step[key] = s[key];
    if ('uses' in s || 'delay' in s || 'parallel' in s) for (const k of ['uses', 'delay', 'parallel'] as const) if (k in s && !(k in step)) step[k] = k === 'parallel' ? [] : '';
    if ('wait' in s) step.wait = waitOf(s.wait);
    if (isObject(s.onTimeout)) step.onTimeout = onTimeoutOf(s.onTimeout);
    if (isObject(s.with)) step.with = s.with;
    if (Array.isArray(s.parallel)) step.parallel = s.parallel.map((b) => ({ steps: isObject(b) && Array.isArray(b.steps) ? steps(b.steps) : [] }));
    if (isObject(s.compensate) && typeof s.compensate.uses === 'string') step.compensate = { uses: s.compensate.uses, with: isObject(s.compensate.with) ? s.compensate.with : undefined };
    return step as unknown as StepDefinition;
  });
}

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : []);

function waitOf(w: unknown): WaitSpec {
  return isObject(w) ? { events: strings(w.events), timeout: str(w.timeout) ?? '', key: str(w.key) } : { events: [], timeout: '' };
}

function onTimeoutOf(o: Loose): ReconcileSpec {
  const when = isObject(o.when) ? Object.fromEntries(Object.entries(o.when).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return { steps: Array.isArray(o.steps) ? steps(o.steps) : [], when };
}
