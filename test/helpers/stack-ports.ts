// `npm start` for a test: every port it would listen on moved to a free one, never a default
// (a developer's own `npm start` may hold those).
import { STACK_PORTS } from '../../lib/dev-defaults';
import { freePort } from '../../lib/net';

export type StackPorts = Record<keyof typeof STACK_PORTS, number>;

export async function freeStackPorts(): Promise<StackPorts> {
  const ports = {} as StackPorts;
  for (const name of Object.keys(STACK_PORTS) as (keyof typeof STACK_PORTS)[]) ports[name] = await freePort();
  return ports;
}
