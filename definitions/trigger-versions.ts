// A trigger's `version:` resolved against the source's versions: the versions the flow takes as
// sent, and for each older one the chain of upcasts to the oldest of them. The result travels in
// the flow definition (trigger.versions), so the ingress needs nothing else to upcast.
import { isEventPattern } from '../engine/event-patterns';
import type { FlowDefinition, TakenVersions } from '../engine/types';
import { compareVersions } from './event-catalog';
import type { FlowEventContext } from './event-context';
import type { Problem, YamlFile } from './yaml-file';

const RANGE_HINT = 'a version ("2"), a range (">=2", "<3", ">=2 <4", "1..2") or "*" for any version';

/** Whether `version` is in the range; undefined when the range is not written as one. */
export function inVersionRange(range: string, version: string): boolean | undefined {
  const text = range.trim();
  if (text === '*') return true;
  const between = /^([^\s<>=.][^\s<>=]*?)\s*\.\.\s*([^\s<>=]+)$/.exec(text);
  if (between) return compareVersions(version, between[1]) >= 0 && compareVersions(version, between[2]) <= 0;
  if (/^[^\s<>=]+$/.test(text)) return compareVersions(version, text) === 0;
  const parts = text.split(/\s+/).map((p) => /^(>=|<=|>|<)([^\s<>=]+)$/.exec(p));
  if (parts.length > 2 || parts.some((m) => !m)) return undefined;
  return parts.every((m) => {
    const c = compareVersions(version, m![2]);
    return m![1] === '>=' ? c >= 0 : m![1] === '>' ? c > 0 : m![1] === '<=' ? c <= 0 : c < 0;
  });
}

export function resolveTriggerVersions(yaml: YamlFile, flow: Omit<FlowDefinition, 'version'>, context: FlowEventContext | undefined, problems: Problem[]): Record<string, TakenVersions> | undefined {
  const { trigger } = flow;
  if (trigger.version === undefined || trigger.schedule !== undefined || !context) return undefined;
  const at = ['trigger', 'version'];
  if (trigger.events.some(isEventPattern)) {
    problems.push(yaml.at(at, 'a flow that triggers on a pattern takes every version as sent', 'remove version:, or name the event types'));
    return undefined;
  }
  if (inVersionRange(trigger.version, '0') === undefined) {
    problems.push(yaml.at(at, `"${trigger.version}" is not a version or a range`, RANGE_HINT));
    return undefined;
  }
  const versioned = context.hasVersions(trigger.source);
  if (versioned === undefined) return undefined; // an optional source left off (or unknown, reported as such): its flows are off too
  if (!versioned) {
    problems.push(yaml.at(at, `source "${trigger.source}" does not say where its events carry their version`, `add versions: { header: … } (or path:, or url: true) to sources/${trigger.source}.yaml`));
    return undefined;
  }
  const resolved: Record<string, TakenVersions> = {};
  trigger.events.forEach((type, i) => {
    const known = context.versionsOf(trigger.source, type);
    if (!known.length) {
      problems.push(yaml.at(['trigger', 'events', i], `event type "${type}" of source "${trigger.source}" has no versions, but the trigger names version "${trigger.version}"`, `add schemas/events/${trigger.source}/${type}/<version>.json, one file per version`));
      return;
    }
    const asSent = known.filter((v) => inVersionRange(trigger.version!, v));
    if (!asSent.length) {
      problems.push(yaml.at(at, `no version of ${type} is in "${trigger.version}" (known: ${known.join(', ')})`, RANGE_HINT));
      return;
    }
    // Each version older than the ones taken, whose upcasts reach the oldest taken, is taken too.
    const upcast: TakenVersions['upcast'] = {};
    for (const older of known.slice(0, known.indexOf(asSent[0]))) {
      const chain: { to: string; expression: string }[] = [];
      for (let v = older; v !== asSent[0];) {
        const step = context.upcastOf(trigger.source, type, v);
        if (!step) break;
        chain.push({ to: step.to, expression: step.expression });
        v = step.to;
        if (v === asSent[0]) upcast[older] = chain;
      }
    }
    resolved[type] = { asSent, upcast };
  });
  return resolved;
}
