// The embedded infrastructure: Temporal dev server, FerretDB, SMTP catcher. Any of them is
// skipped when an address for it is given (TEMPORAL_ADDRESS, MONGODB_URI, SMTP_URL).
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFerretDb } from './ferretdb';
import { type SmtpCatcher, startSmtpCatcher } from './smtp-catcher';
import { startTemporalDevServer } from './temporal';
import { TOOLS, ensureTool } from './tools';
import type { ManagedProcess } from './process';

export interface ServicePorts {
  temporal: number;
  temporalUi: number;
  mongo: number;
  smtp: number;
}

export interface EmbeddedServices {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongodbUri: string;
  smtpUrl: string;
  smtp?: SmtpCatcher;
  /** Which services this process started (and will stop). */
  started: string[];
  /** The child processes among them (Temporal, FerretDB; the SMTP catcher runs in this process). */
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

export interface ServiceOptions {
  dataDir: string;
  ports: ServicePorts;
  headless?: boolean;
  /** The Temporal UI's codec endpoint (devstack/temporal.ts). */
  uiCodecEndpoint?: string;
  /** More Temporal dynamic config (devstack/temporal.ts). */
  temporalDynamicConfig?: string[];
  echo?: boolean;
  external?: { temporalAddress?: string; mongodbUri?: string; smtpUrl?: string };
  onMail?: Parameters<typeof startSmtpCatcher>[0]['onMessage'];
}

export async function startEmbeddedServices(opts: ServiceOptions): Promise<EmbeddedServices> {
  // The data folder holds event bodies, caught mail and development keys: only the owner reads it.
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dataDir, 0o700);
  const external = opts.external ?? {};
  const processes: ManagedProcess[] = [];
  const started: string[] = [];
  let smtp: SmtpCatcher | undefined;
  const stop = async () => {
    await smtp?.close();
    await Promise.all(processes.map((p) => p.stop()));
  };
  try {
    const [temporal, ferret] = await Promise.all([
      external.temporalAddress
        ? undefined
        : startTemporalDevServer({
            bin: ensureTool(TOOLS.temporal),
            port: opts.ports.temporal,
            uiPort: opts.ports.temporalUi,
            headless: opts.headless,
            uiCodecEndpoint: opts.uiCodecEndpoint,
            dynamicConfig: opts.temporalDynamicConfig,
            dbFile: join(opts.dataDir, 'temporal.sqlite'),
            logFile: join(opts.dataDir, 'temporal.log'),
            echo: opts.echo,
          }).then((t) => { processes.push(t.process); started.push('temporal'); return t; }),
      external.mongodbUri
        ? undefined
        : startFerretDb({
            bin: ensureTool(TOOLS.ferretdb),
            port: opts.ports.mongo,
            dataDir: join(opts.dataDir, 'ferretdb'),
            logFile: join(opts.dataDir, 'ferretdb.log'),
            echo: opts.echo,
          }).then((f) => { processes.push(f.process); started.push('ferretdb'); return f; }),
    ]);
    if (!external.smtpUrl) {
      smtp = await startSmtpCatcher({ port: opts.ports.smtp, dir: join(opts.dataDir, 'mail'), onMessage: opts.onMail });
      started.push('smtp');
    }
    return {
      temporalAddress: external.temporalAddress ?? temporal!.address,
      temporalUiUrl: temporal?.uiUrl,
      mongodbUri: external.mongodbUri ?? ferret!.uri,
      smtpUrl: external.smtpUrl ?? smtp!.url,
      smtp,
      started,
      processes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
