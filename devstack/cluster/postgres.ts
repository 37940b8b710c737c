// PostgreSQL from Debian's package, for Temporal's persistence and visibility: one server on
// loopback with its data under the cluster's data folder. The server refuses to run as root, so
// a launcher running as root runs it (and initdb) as the `postgres` user the package created.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, portAnswers, startProcess, waitUntil } from '../process';

export interface PostgresOptions {
  dataDir: string;
  port: number;
  logFile?: string;
  echo?: boolean;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  binDir: string;
  process: ManagedProcess;
  /** Starts the server again on the same data (after a crash or a kill -9 on purpose). */
  restart(): Promise<ManagedProcess>;
}

export const POSTGRES_USER = 'temporal';

/** HOOKFLOW_POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/<major>/bin (Debian's layout). */
export function postgresBinDir(env = process.env): string {
  if (env.HOOKFLOW_POSTGRES_BIN_DIR) return env.HOOKFLOW_POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = majors.map((m) => join(root, m, 'bin')).find((d) => existsSync(join(d, 'postgres')));
  if (!dir) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or set HOOKFLOW_POSTGRES_BIN_DIR to the folder holding postgres and initdb)');
  return dir;
}

/** The user PostgreSQL runs as: the launcher's own, unless that is root. */
function serverUser(): { name?: string; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  if (uid.status !== 0) throw new Error('running as root, PostgreSQL needs an unprivileged user to run as: the `postgres` user (created by apt-get install postgresql) does not exist');
  return { name: 'postgres', uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function runAs(user: ReturnType<typeof serverUser>, cmd: string, args: string[]): void {
  const [command, argv] = user.name ? ['setpriv', [`--reuid=${user.name}`, `--regid=${user.name}`, '--init-groups', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(command, argv, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status}): ${(res.stderr || res.stdout || String(res.error)).trim()}`);
}

/** initdb on first use: the superuser is `temporal` with a password kept beside the data (0600). */
function initOnce(pgData: string, passwordFile: string, binDir: string, user: ReturnType<typeof serverUser>): string {
  if (existsSync(join(pgData, 'PG_VERSION'))) return readFileSync(passwordFile, 'utf8').trim();
  rmSync(pgData, { recursive: true, force: true }); // a half-done initdb from an interrupted start
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const pwfile = join(pgData, '..', `.initdb-pw-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (user.uid !== undefined) {
      chownSync(pgData, user.uid, user.gid!);
      chownSync(pwfile, user.uid, user.gid!);
    }
    runAs(user, join(binDir, 'initdb'), ['-D', pgData, '-U', POSTGRES_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale']);
  } catch (err) {
    const hint = user.name ? ` (the ${user.name} user must be able to reach ${pgData}: set HOOKFLOW_CLUSTER_DATA_DIR to a folder it can open)` : '';
    throw new Error(`${(err as Error).message}${hint}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
  return password;
}

export async function startPostgres(opts: PostgresOptions): Promise<Postgres> {
  const binDir = postgresBinDir();
  const user = serverUser();
  mkdirSync(opts.dataDir, { recursive: true });
  const pgData = join(opts.dataDir, 'pgdata');
  const password = initOnce(pgData, join(opts.dataDir, 'password'), binDir, user);
  const args = [
    '-D', pgData, '-p', String(opts.port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=', // TCP on loopback only: no socket file to clash between instances
    '-c', 'max_connections=200', // four Temporal services, each with its pools to both databases
    '-c', 'log_min_messages=warning',
  ];
  const start = async () => {
    // PostgreSQL writes its log to stderr; a stale postmaster.pid after a kill -9 is recognised and replaced.
    const proc = startProcess({ name: 'postgres', command: join(binDir, 'postgres'), args, logFile: opts.logFile, echo: opts.echo, runAs: user.name, stopSignal: 'SIGINT' });
    await waitUntil(proc, `port ${opts.port}`, () => portAnswers(opts.port), 60_000);
    await waitUntil(proc, 'connections', async () => spawnSync(join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(opts.port), '-q']).status === 0, 60_000);
    return proc;
  };
  const pg: Postgres = {
    host: '127.0.0.1', port: opts.port, user: POSTGRES_USER, password, binDir,
    process: await start(),
    async restart() {
      pg.process = await start();
      return pg.process;
    },
  };
  return pg;
}

/** Runs SQL with psql as the `temporal` superuser; returns its unaligned output. */
export function psql(pg: Pick<Postgres, 'host' | 'port' | 'user' | 'password' | 'binDir'>, database: string, sql: string): string {
  const res = spawnSync(join(pg.binDir, 'psql'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database, '-tAqc', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: pg.password },
  });
  if (res.status !== 0) throw new Error(`psql: ${(res.stderr || String(res.error)).trim()}`);
  return res.stdout.trim();
}
