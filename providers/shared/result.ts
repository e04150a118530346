// The one shape every provider client answers in (docs/providers.md#results). A client never
// throws for what a provider said or for a network failure: it answers a value, and the
// activity that called it decides about retries, rate-limit slots and compensations.
//
//  - `{ ok: true, ...answer }`: the provider answered. An answer may still be a "no" (the ID
//    check's mismatch, a face check's FAIL): those are the provider's verdicts, not failures.
//  - `ProviderFailure`: no usable answer. `code` is the provider's own code as a string (its
//    error code, `HttpError.502`, `TransportError`, …), `message` says what happened with any
//    personal data scrubbed, `retryable` whether trying the same call again can help, and
//    `ref` the provider's id for the failed call when it gave one (e.g. Tencent's RequestId).

/** A provider's answer: what it said, or why not and whether trying again can help. */
export type ProviderFailure = { ok: false; code: string; message: string; retryable: boolean; ref?: string };

export type ProviderResult<T extends object, F extends ProviderFailure = ProviderFailure> = ({ ok: true } & T) | F;

export function providerFailure(code: string, message: string, retryable: boolean, ref?: string): ProviderFailure {
  return { ok: false, code, message, retryable, ...(ref ? { ref } : {}) };
}

/** The code of a call that got no answer at all (refused, reset, timed out) where a client has no more precise one. */
export const TRANSPORT_ERROR = 'TransportError';
