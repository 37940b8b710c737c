// Two first starts building the same tool at once (two terminals, or `npm start` beside a test run)
// must both end with a whole binary in the cache. The build step is a fake `go` that writes its
// output and then waits until the other build has written too, so the two builds always overlap
// where they once shared one `.partial` file (the second chmod or rename then failed with ENOENT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { TOOLS, cachedToolPath, findTool } from '../../devstack/tools';
import { ROOT } from '../helpers/paths';

const FAKE_GO = `#!/bin/sh
case "$1" in
  mod) printf '{"Dir":"%s"}\\n' "$FAKE_MODULE" ;;
  build)
    out=""
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
    printf '#!/bin/sh\\necho built\\n' > "$out"
    touch "$BARRIER/$$"
    i=0
    while [ "$(ls "$BARRIER" | wc -l)" -lt 2 ]; do
      i=$((i + 1)); [ $i -gt 1200 ] && { echo "the other build never came" >&2; exit 3; }
      sleep 0.05
    done ;;
  *) exit 2 ;;
esac
`;

function build(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e',
    "require('./devstack/tools').ensureTool(require('./devstack/tools').TOOLS.temporal)"], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

test('two builds of the same tool at once both succeed and leave one whole binary', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hookflow-tools-race-'));
  try {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'go'), FAKE_GO);
    chmodSync(join(bin, 'go'), 0o755);
    const module = join(root, 'module');
    mkdirSync(join(module, 'cmd', 'temporal'), { recursive: true });
    const barrier = join(root, 'barrier');
    mkdirSync(barrier);
    const env: NodeJS.ProcessEnv = {
      ...process.env, PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), HOOKFLOW_TOOLS_DIR: join(root, 'cache'),
      FAKE_MODULE: module, BARRIER: barrier,
    };
    delete env.HOOKFLOW_TEMPORAL_BIN;
    assert.equal(findTool(TOOLS.temporal, env), undefined, 'nothing but a build can answer for the tool');

    const [a, b] = await Promise.all([build(env), build(env)]);
    assert.equal(a.code, 0, a.output);
    assert.equal(b.code, 0, b.output);
    const target = cachedToolPath(TOOLS.temporal, env);
    assert.equal(spawnSync(target, { encoding: 'utf8' }).stdout, 'built\n');
    assert.deepEqual(readdirSync(join(target, '..')), ['temporal'], 'no partial file is left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
