// Stopping `npm start` whoever sends the signal: npm itself (what docker, systemd and CI runners
// signal), the process group (a terminal's Ctrl-C), or kill -9 of the node launcher or of npm. Afterwards
// no process of the tree is left (checked in /proc). And a start whose port is taken names the holder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine } from '../../lib/port-holder';
import { spawnProject } from '../helpers/processes';
import { freeStackPorts } from '../helpers/stack-ports';

const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-stops-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function stackEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOOKFLOW_DATA_DIR: dataDir, HOOKFLOW_PRETTY_LOGS: '0', PAYMENTS_WEBHOOK_SECRET: '' };
  for (const [name, port] of Object.entries(await freeStackPorts())) env[name] = String(port);
  for (const name of ['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL', 'PAYMENTS_API_URL', 'LEDGER_API_URL', 'npm_config_loglevel']) delete env[name];
  return env;
}

/** Every live process whose process group is `pgid` (npm start is spawned as a group leader). */
function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state, ppid, pgrp, …
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(`${pid} ${commandLine(Number(pid))}`);
  }
  return members;
}

async function noneLeft(pgid: number, what: string): Promise<void> {
  let left = groupMembers(pgid);
  for (let i = 0; i < 150 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = groupMembers(pgid);
  }
  assert.deepEqual(left, [], `${what}: processes left`);
}

const cases: { who: string; signal: NodeJS.Signals }[] = [
  { who: 'npm', signal: 'SIGTERM' },
  { who: 'npm', signal: 'SIGINT' },
  { who: 'the process group', signal: 'SIGTERM' },
  { who: 'the node launcher', signal: 'SIGKILL' },
  { who: 'npm', signal: 'SIGKILL' }, // nobody forwards anything: the launcher notices its parent is gone
];

for (const { who, signal } of cases) {
  test(`${signal} to ${who} stops every child of npm start`, async () => {
    const npm = spawnProject('npm', ['start'], await stackEnv(), { detached: true });
    const pgid = npm.child.pid!;
    try {
      const banner = await npm.waitForLine(/^ {2}pids {9}launcher \d+/, { timeoutMs: 180_000 });
      const pids = Object.fromEntries([...banner.matchAll(/(launcher|temporal|ferretdb|worker|ingress) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
      assert.deepEqual(Object.keys(pids).sort(), ['ferretdb', 'ingress', 'launcher', 'temporal', 'worker'], banner);
      assert.ok(groupMembers(pgid).length >= 6, 'npm, the launcher and its four children run');
      if (who === 'npm') process.kill(pgid, signal);
      else if (who === 'the process group') process.kill(-pgid, signal);
      else process.kill(pids.launcher, signal);
      await noneLeft(pgid, `${signal} to ${who}`);
      if (signal !== 'SIGKILL') assert.match(npm.output(), /hookflow: stopped\./);
    } finally {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });
}

test('a start whose port is taken names the process holding it, without a stack trace', async () => {
  const env = await stackEnv();
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(Number(env.PORT), '127.0.0.1', r));
  try {
    const npm = spawnProject('npm', ['start'], env, { detached: true });
    const { code } = await npm.exited;
    assert.equal(code, 1, npm.output());
    assert.ok(npm.output().includes(`hookflow: port ${env.PORT} (PORT) is already in use by pid ${process.pid}: ${commandLine(process.pid)}. Stop it, or set PORT to another port.`), npm.output());
    assert.doesNotMatch(npm.output(), /^\s+at /m, 'no stack trace');
  } finally {
    holder.close();
  }
});
