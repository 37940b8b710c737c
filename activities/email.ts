// email.send: at most one email per idempotency key. Sent emails are recorded in
// hookflow_effects; a retry finds the record and sends nothing. The Message-ID is derived from
// the key, so even the narrow crash window between SMTP accept and the record is detectable downstream.
import { createHash } from 'node:crypto';
import type { ActivityRequest } from '../engine/contract';
import { type ActivityDeps, badArguments, effectApplied, requireString } from './effects';

export { EFFECTS_COLLECTION } from './effect-record';
import { EFFECTS_COLLECTION } from './effect-record';

function recipients(args: Record<string, unknown>, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string' && x.includes('@'))) throw badArguments('email.send', `"${name}" must be an address or a list of addresses`);
  return list as string[];
}

export function emailActivities(deps: ActivityDeps, from: string) {
  return {
    async 'email.send'({ args, idempotencyKey }: ActivityRequest): Promise<{ sent: boolean; messageId: string }> {
      const effects = deps.db.collection<{ _id: string; kind: string; messageId: string; to: string[]; sentAt: Date }>(EFFECTS_COLLECTION);
      const messageId = `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@hookflow>`;
      const to = recipients(args, 'to');
      if (!to) throw badArguments('email.send', '"to" is required');
      const subject = requireString('email.send', args, 'subject');
      if (typeof args.text !== 'string' && typeof args.html !== 'string') throw badArguments('email.send', '"text" or "html" is required');

      if (await effects.findOne({ _id: idempotencyKey })) {
        await effectApplied(deps, 'email.send', idempotencyKey);
        return { sent: false, messageId };
      }
      await deps.mail.send({
        from: typeof args.from === 'string' ? args.from : from,
        to,
        cc: recipients(args, 'cc'),
        subject,
        text: args.text as string | undefined,
        html: args.html as string | undefined,
        messageId,
      });
      await effects.updateOne(
        { _id: idempotencyKey },
        { $setOnInsert: { kind: 'email', messageId, to, sentAt: new Date() } },
        { upsert: true },
      );
      deps.log.info({ idempotencyKey, messageId }, 'email sent');
      await effectApplied(deps, 'email.send', idempotencyKey);
      return { sent: true, messageId };
    },
  };
}
