// What every hookflow command is: cli/main.ts lists them, cli/commands/<name>.ts holds each.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code. */
  run(args: string[]): Promise<number>;
}
