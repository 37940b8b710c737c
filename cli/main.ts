// hookflow command line. Each command lives in cli/commands/<name>.ts.
import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { deliveriesCommand } from './commands/deliveries';
import { replayCommand } from './commands/replay';
import { issuesCommand } from './commands/issues';
import { sendCommand } from './commands/send';
import { dbCommand } from './commands/db';
import { sandboxCommand } from './commands/sandbox';
import { patchesCommand } from './commands/patches';
import { testCommand } from './commands/test';
import { AdminApiError } from './admin-client';
import { UsageError } from './args';
import type { Command } from './command';
import { applyDevDefaults } from '../lib/dev-env';

const commands: Command[] = [validateCommand, runCommand, testCommand, sendCommand, deliveriesCommand, replayCommand, issuesCommand, sandboxCommand, dbCommand, patchesCommand];
function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hookflow <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'hookflow <command> --help shows the options of one command.',
    'send posts to HOOKFLOW_URL (default http://127.0.0.1:3000); deliveries and replay use the admin',
    'listener, HOOKFLOW_ADMIN_URL (default http://127.0.0.1:3002), and HOOKFLOW_ADMIN_TOKEN, or --url and --token.',
    'Outside production (HOOKFLOW_ENV / NODE_ENV), unset PAYMENTS_WEBHOOK_SECRET and HOOKFLOW_ADMIN_TOKEN take',
    'npm start\'s development defaults, so a second terminal beside it needs nothing exported.',
    '',
    'exit codes: 0 ok, 1 failure (problems found, request refused, hookflow unreachable), 2 usage error.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`hookflow: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  // Beside `npm start`, nothing needs exporting: its development defaults apply here too (never in production).
  applyDevDefaults(process.env);
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(`hookflow: ${err.message.startsWith('hookflow ') ? `usage: ${err.message}` : err.message}`);
      process.exit(2);
    }
    if (err instanceof AdminApiError) console.error(`hookflow: ${err.status} ${err.code}: ${err.message}`);
    else console.error(`hookflow: ${(err as Error).message}`);
    process.exit(1);
  },
);
