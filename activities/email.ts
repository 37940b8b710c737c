// email.send: one message per step, sent at most once except in the one window SMTP leaves open.
// The attempt claims the send in hookflow_effects before talking to the server and marks it sent
// right after the server's answer. A retry that finds it sent sends nothing; one that finds only
// the claim cannot know whether the server got the message (the attempt died between the answer
// and the mark, or the connection dropped after the data), so it sends again: the same message,
// with the same Message-ID (derived from the key), and counts it (hookflow_email_resends_total).
import { createHash } from 'node:crypto';
import type { ActivityRequest } from '../engine/contract';
import { type ActivityDeps, badArguments, effectApplied, requireString } from './effects';
import { type EffectRecord, effects } from './effect-record';
import { smtpSend } from './traced';

export { EFFECTS_COLLECTION } from './effect-record';

/** `sending`: claimed, the server may or may not have the message; `sent`: it answered 250. Older records have no state: sent. */
type EmailState = 'sending' | 'sent' | 'refused';

const ONE_ADDRESS = /^[^@\s,;:<>()"\\[\]]+@[^@\s,;:<>()"\\[\]]+$/;

function recipients(args: Record<string, unknown>, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  // One bare address per recipient: "a@x, b@y" (or a group, or a display name hiding another) is refused, not split.
  const bad = list.find((x) => typeof x !== 'string' || !ONE_ADDRESS.test(x));
  if (bad !== undefined) throw badArguments('email.send', `"${name}" must be one address per recipient (a list for several), got ${JSON.stringify(bad)}`);
  return list as string[];
}

/** The server answered with a refusal, or the connection failed before any command: it certainly has no message (nodemailer's error fields). */
function certainlyNotSent(err: unknown): boolean {
  const e = err as { responseCode?: unknown; command?: unknown };
  return typeof e.responseCode === 'number' || e.command === 'CONN';
}

export function emailActivities(deps: ActivityDeps, from: string) {
  return {
    async 'email.send'({ args, idempotencyKey }: ActivityRequest): Promise<{ sent: boolean; messageId: string }> {
      const records = effects(deps);
      const messageId = `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@hookflow>`;
      const to = recipients(args, 'to');
      if (!to) throw badArguments('email.send', '"to" is required');
      const cc = recipients(args, 'cc');
      const subject = requireString('email.send', args, 'subject');
      if (typeof args.text !== 'string' && typeof args.html !== 'string') throw badArguments('email.send', '"text" or "html" is required');

      const record = await records.findOne({ _id: idempotencyKey });
      const state = record ? ((record.state as EmailState | undefined) ?? 'sent') : undefined;
      if (state === 'sent') {
        await effectApplied(deps, 'email.send', idempotencyKey);
        return { sent: false, messageId };
      }
      const resend = state === 'sending';
      if (!record) await records.updateOne({ _id: idempotencyKey }, { $setOnInsert: { kind: 'email', state: 'sending', messageId, to, at: new Date() } as Partial<EffectRecord> }, { upsert: true });
      else if (state === 'refused') await records.updateOne({ _id: idempotencyKey }, { $set: { state: 'sending' } });
      try {
        await smtpSend(messageId, () => deps.mail.send({
          from: typeof args.from === 'string' ? args.from : from,
          to,
          cc,
          subject,
          text: args.text as string | undefined,
          html: args.html as string | undefined,
          messageId,
        }));
      } catch (err) {
        // Only a certain refusal clears the claim; after anything else the server may have the message.
        if (certainlyNotSent(err)) await records.updateOne({ _id: idempotencyKey }, { $set: { state: 'refused' } }).catch(() => undefined);
        throw err;
      }
      // First thing after the server's answer: the shorter this gap, the rarer a resend.
      await records.updateOne({ _id: idempotencyKey }, { $set: { state: 'sent', sentAt: new Date() } });
      if (resend) {
        deps.metrics?.emailResends.inc();
        deps.log.warn({ idempotencyKey, messageId }, 'email sent again: an earlier attempt may have delivered it (same Message-ID)');
      } else {
        deps.log.info({ idempotencyKey, messageId }, 'email sent');
      }
      await effectApplied(deps, 'email.send', idempotencyKey);
      return { sent: true, messageId };
    },
  };
}
