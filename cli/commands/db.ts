// hookflow db: mongosh on the configured database (MONGODB_URI, MONGODB_DB), so the queries in
// the docs (db.hookflow_deliveries.find(...)) can be typed as written. Arguments go to mongosh.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { loadConfig } from '../../lib/config';
import type { Command } from '../command';

export const dbCommand: Command = {
  name: 'db',
  summary: 'Open mongosh on the configured MongoDB database (MONGODB_URI, MONGODB_DB); arguments go to mongosh.',
  usage: `hookflow db [MONGOSH ARGUMENTS...]

  Opens mongosh on MONGODB_URI (default mongodb://127.0.0.1:27017/, the dev stack's) with the database
  MONGODB_DB (default hookflow) selected, e.g.
    bin/hookflow db
    bin/hookflow db --quiet --eval 'db.hookflow_deliveries.find({outcome: "rejected"}).sort({receivedAt: -1}).limit(5)'
  mongosh is the npm package installed with the project's devDependencies, or a mongosh on PATH.
  TLS and credentials come with the URI (docs/operations.md "TLS").
Exit: mongosh's; 1 when no mongosh is found.`,
  async run(args) {
    const config = loadConfig();
    const mongosh = findMongosh();
    if (!mongosh) {
      console.error('hookflow db: mongosh not found: run npm ci (it is a devDependency), or install mongosh on PATH (https://www.mongodb.com/docs/mongodb-shell/install/)');
      return 1;
    }
    const child = spawn(mongosh.command, [...mongosh.args, databaseUri(config.mongodbUri, config.mongodbDb), ...args], { stdio: 'inherit' });
    // Ctrl-C belongs to mongosh (it cancels the running command); the shell ends when mongosh does.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => resolve(code ?? 1));
      });
    } finally {
      process.off('SIGINT', ignore);
    }
  },
};

/** The URI with the database as its path (mongosh selects it), the query string (TLS, auth) kept. */
export function databaseUri(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${encodeURIComponent(db)}`;
  return url.toString();
}

function findMongosh(): { command: string; args: string[] } | undefined {
  try {
    const bin = join(dirname(require.resolve('mongosh/package.json')), 'bin', 'mongosh.js');
    if (existsSync(bin)) return { command: process.execPath, args: [bin] };
  } catch {
    // not installed with the project: look on PATH
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'mongosh'))) return { command: join(dir, 'mongosh'), args: [] };
  }
  return undefined;
}
