// Console sign-in attempts are throttled, so the admin token cannot be guessed at request speed:
// after a few wrong tokens from one address that address waits, and past a global rate of wrong
// tokens (many addresses at once) every sign-in waits. Only failures count; a right token clears
// its address. Per process: each replica throttles on its own (the bounds are per replica).
import { type Clock, systemClock } from '../../lib/clock';

export interface LoginThrottleOptions {
  /** Wrong tokens one address may send per window before it must wait. */
  perAddress?: number;
  /** Wrong tokens from all addresses together per window before every sign-in waits. */
  global?: number;
  windowMs?: number;
  clock?: Pick<Clock, 'now'>;
}

/** Addresses remembered at most; past that the oldest are forgotten (a flood of addresses still meets the global bound). */
const MAX_ADDRESSES = 10_000;

export interface LoginThrottle {
  /** Seconds the address must wait before trying again, or 0 when it may try now. */
  waitSeconds(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
}

export function loginThrottle(opts: LoginThrottleOptions = {}): LoginThrottle {
  const { perAddress = 5, global = 50, windowMs = 15 * 60_000, clock = systemClock } = opts;
  const now = () => clock.now();
  const failures = new Map<string, number[]>();
  let all: number[] = [];
  const recent = (times: number[]) => times.filter((t) => t > now() - windowMs);
  const waitFor = (times: number[], bound: number) => (times.length >= bound ? Math.ceil((times[times.length - bound]! + windowMs - now()) / 1000) : 0);
  return {
    waitSeconds(address) {
      all = recent(all);
      const mine = recent(failures.get(address) ?? []);
      return Math.max(waitFor(mine, perAddress), waitFor(all, global), 0);
    },
    failed(address) {
      const mine = recent(failures.get(address) ?? []);
      failures.delete(address); // re-inserted last: the map keeps addresses in order of their last failure
      failures.set(address, [...mine, now()]);
      if (failures.size > MAX_ADDRESSES) failures.delete(failures.keys().next().value!);
      all.push(now());
    },
    succeeded(address) {
      failures.delete(address);
    },
  };
}
