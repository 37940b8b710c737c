// How a process reports a failed start: definition and config problems as a plain list, not a stack trace.
import { ConfigError, DefinitionError, StartupError } from './errors';

export function exitOnStartupError(name: string) {
  return (err: unknown): never => {
    if (err instanceof DefinitionError) {
      console.error(`${name}: the flow or source files have ${err.problems.length} problem(s):\n${err.message}`);
    } else if (err instanceof StartupError) {
      console.error(`${name}: ${err.message}`);
    } else if (err instanceof ConfigError) {
      console.error(`${name}: configuration error: ${err.message}`);
    } else {
      console.error(`${name}: failed to start:`, err);
    }
    process.exit(1);
  };
}
