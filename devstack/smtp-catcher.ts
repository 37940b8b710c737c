// A real SMTP server that keeps every message it receives: in memory for tests, and as
// .eml files under a folder for people (open them with any mail client).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface CaughtMail {
  messageId?: string;
  from?: string;
  to: string[];
  subject?: string;
  text?: string;
  html?: string;
  /** Cc header addresses (they are also in `to`, the envelope recipients). */
  cc: string[];
  receivedAt: Date;
}

export interface SmtpCatcher {
  url: string;
  messages: CaughtMail[];
  /** Resolves once `count` messages match, or rejects after the timeout. */
  waitFor(match: (m: CaughtMail) => boolean, count?: number, timeoutMs?: number): Promise<CaughtMail[]>;
  close(): Promise<void>;
}

export async function startSmtpCatcher(opts: { port: number; dir?: string; onMessage?: (m: CaughtMail) => void }): Promise<SmtpCatcher> {
  const messages: CaughtMail[] = [];
  // Caught mail holds customers' addresses and messages: only the owner reads it.
  if (opts.dir) { mkdirSync(opts.dir, { recursive: true, mode: 0o700 }); chmodSync(opts.dir, 0o700); }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        const mail: CaughtMail = {
          messageId: parsed.messageId,
          from: parsed.from?.text,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject,
          text: parsed.text,
          html: parsed.html || undefined,
          cc: [parsed.cc ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? '')),
          receivedAt: new Date(),
        };
        messages.push(mail);
        if (opts.dir) writeFileSync(join(opts.dir, `${mail.receivedAt.toISOString().replace(/[:.]/g, '-')}-${messages.length}.eml`), raw, { mode: 0o600 });
        opts.onMessage?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${opts.port}`,
    messages,
    async waitFor(match, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} matching email(s), caught ${found.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
