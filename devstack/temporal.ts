// The Temporal dev server (gRPC + Web UI, SQLite file), with hookflow's search attributes registered.
import { Connection } from '@temporalio/client';
import { searchAttributeRegistrations } from '../engine/contract';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from './process';

export interface TemporalDevServer {
  address: string;
  uiUrl?: string;
  process: ManagedProcess;
}

export interface TemporalDevServerOptions {
  bin: string;
  port: number;
  uiPort?: number;
  /** Omit for the Web UI to be off (tests). */
  headless?: boolean;
  dbFile: string;
  /** Where the Web UI asks to decode payloads (hookflow's admin listener, /admin/codec). */
  uiCodecEndpoint?: string;
  logFile?: string;
  echo?: boolean;
  /** More dynamic config ("key=value"), e.g. a test's low limit.historyCount.suggestContinueAsNew. */
  dynamicConfig?: string[];
}

const PRIORITY_DYNAMIC_CONFIG = ['matching.useNewMatcher=true', 'matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'];

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--db-filename', opts.dbFile, '--log-level', 'warn'];
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  if (!opts.headless && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  // WAL lets readers and the single writer overlap: fewer "database is locked" stalls under load.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  for (const sa of searchAttributeRegistrations) args.push('--search-attribute', sa);
  // Flows' priority and fairness (docs/flows.md): this server honours them only with the new
  // matcher; one partition per task queue, so a backlog is served in priority order, not nearly.
  for (const kv of [...PRIORITY_DYNAMIC_CONFIG, ...(opts.dynamicConfig ?? [])]) args.push('--dynamic-config-value', kv);
  const proc = startProcess({ name: 'temporal', command: opts.bin, args, logFile: opts.logFile, echo: opts.echo });
  const address = `127.0.0.1:${opts.port}`;
  await waitUntil(proc, `gRPC on ${address}`, () => portAnswers(opts.port), 120_000);
  await waitUntil(proc, 'the default namespace', () => namespaceReady(address), 120_000);
  return { address, uiUrl: opts.headless ? undefined : `http://127.0.0.1:${opts.uiPort ?? opts.port + 1000}`, process: proc };
}

async function namespaceReady(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2000 });
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}
