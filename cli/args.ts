// Tiny option parser for the CLI: --name value, --flag, and positional arguments.

/** The command was called wrongly: the message (usually the usage) goes to stderr, exit code 2. */
export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | true>;
}

export function parseArgs(args: string[], flags: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (inline !== undefined) options[name] = inline;
    else if (flags.includes(name)) options[name] = true;
    else if (i + 1 < args.length) options[name] = args[++i];
    else throw new UsageError(`--${name} needs a value`);
  }
  return { positional, options };
}

export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.options[name];
  return typeof v === 'string' ? v : undefined;
}
