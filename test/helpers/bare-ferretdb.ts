// A FerretDB of the project's own build on a free port with a fresh data folder, and a client
// on it: for tests of activities and proxies that need a real MongoDB server and nothing else.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { type FerretDb, startFerretDb } from '../../devstack/ferretdb';
import { TOOLS, ensureTool } from '../../devstack/tools';
import { freePort } from '../../lib/net';

export interface BareFerretDb {
  ferret: FerretDb;
  client: MongoClient;
  stop(): Promise<void>;
}

export async function startBareFerretDb(name: string): Promise<BareFerretDb> {
  const dataDir = mkdtempSync(join(tmpdir(), `hookflow-${name}-`));
  const ferret = await startFerretDb({ bin: ensureTool(TOOLS.ferretdb), port: await freePort(), dataDir });
  const client = await MongoClient.connect(ferret.uri);
  return {
    ferret,
    client,
    async stop() {
      await client.close();
      await ferret.process.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
