// What a payload the worker could not authenticate becomes (worker/payload-guard.ts): not
// encrypted with an operator key, or altered. Decoding such a payload must not throw (the workflow
// task would fail and be retried forever), so it decodes to this marker, which the workflow and
// activity guards recognise before anything runs. Pure module: safe in workflow code.

export const UNAUTHENTICATED_KEY = 'hookflow:unauthenticated-payload';

export type UnauthenticatedMarker = { readonly [UNAUTHENTICATED_KEY]: string };

export function unauthenticatedMarker(reason: string): UnauthenticatedMarker {
  return { [UNAUTHENTICATED_KEY]: reason };
}

/** Why the first refused value among `values` was refused, if one was. */
export function unauthenticatedReason(values: readonly unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, UNAUTHENTICATED_KEY)) {
      return String((value as UnauthenticatedMarker)[UNAUTHENTICATED_KEY]);
    }
  }
  return undefined;
}

/** The failure type of a refused run or activity: non-retryable, named in the UI and in alerts. */
export const UNAUTHENTICATED_FAILURE = 'UnauthenticatedPayload';
