// Runs a repository executable (bin/hookflow …) as a real process and collects its output.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_ADMIN_TOKEN } from './ingress';
import { ROOT } from './paths';

export function spawnFile(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, file), args, { cwd: ROOT, env: { ...env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** bin/hookflow as an operator runs it against a test stack's admin listener (the test admin token). */
export async function hookflowAdmin(adminUrl: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const { code, stdout, stderr } = await spawnFile('bin/hookflow', args, { ...process.env, HOOKFLOW_ADMIN_URL: adminUrl, HOOKFLOW_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  return { code, out: stdout, err: stderr };
}
