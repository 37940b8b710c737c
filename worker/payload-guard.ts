// The worker's side of payload encryption (lib/payload-codec.ts): its data converter decrypts
// what the ingress encrypted and encrypts what the worker writes. A payload it cannot
// authenticate (plaintext, an unknown key, altered bytes) decodes to a marker rather than an
// error: an error would fail the workflow task and Temporal would retry it forever, while the
// marker lets workflows/payload-guard.ts fail the run at once, and the activity guard below
// refuse an activity some foreign workflow scheduled on hookflow's task queue, before it acts.
import { ApplicationFailure, type DataConverter, defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { EncryptionCodec, type PayloadKeys } from '../lib/payload-codec';
import { UNAUTHENTICATED_FAILURE, unauthenticatedMarker, unauthenticatedReason } from '../engine/unauthenticated';

export interface PayloadProtection {
  keys: PayloadKeys;
  /** The upgrade to encryption: runs started before it (plaintext) still run (HOOKFLOW_ACCEPT_PLAINTEXT_RUNS). */
  acceptPlaintext?: boolean;
}

export function workerDataConverter({ keys, acceptPlaintext }: PayloadProtection): DataConverter {
  const codec = new EncryptionCodec(keys, {
    plaintext: acceptPlaintext ? 'keep' : 'refuse',
    refused: (reason) => defaultPayloadConverter.toPayload(unauthenticatedMarker(reason)),
  });
  return { payloadCodecs: [codec] };
}

export const refuseUnauthenticatedActivities: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute(input, next) {
      const reason = unauthenticatedReason(input.args);
      if (reason !== undefined) return Promise.reject(ApplicationFailure.nonRetryable(`activity refused, its input is not from a hookflow workflow: ${reason}`, UNAUTHENTICATED_FAILURE));
      return next(input);
    },
  },
});
