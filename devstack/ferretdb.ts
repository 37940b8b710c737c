// FerretDB with its embedded SQLite backend: a MongoDB wire-compatible server on loopback.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from './process';

export interface FerretDb {
  uri: string;
  process: ManagedProcess;
}

export async function startFerretDb(opts: { bin: string; port: number; dataDir: string; logFile?: string; echo?: boolean }): Promise<FerretDb> {
  const sqliteDir = join(opts.dataDir, 'sqlite');
  mkdirSync(sqliteDir, { recursive: true });
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${sqliteDir}/`,
    `--state-dir=${opts.dataDir}`,
    `--listen-addr=127.0.0.1:${opts.port}`,
    '--debug-addr=-', // no metrics/pprof listener: it would clash between instances
    '--telemetry=disable',
    '--log-level=warn',
  ];
  const proc = startProcess({ name: 'ferretdb', command: opts.bin, args, logFile: opts.logFile, echo: opts.echo });
  await waitUntil(proc, `port ${opts.port}`, () => portAnswers(opts.port), 60_000);
  return { uri: `mongodb://127.0.0.1:${opts.port}/`, process: proc };
}
