// The buyer's key check from the browser, as `fairkey verify` (fairkey/verifier/client.py): the
// verifier the order's listing names is asked for its key through the API's relay
// (api/verifier_relay/: GET /orders/{id}/verifier), checked against what this page read from the
// chain, the key sealed to it here (verifierEnvelope.ts), and the envelope posted through the
// relay (POST /orders/{id}/key-check). Neither the API nor anyone else but the verifier can read it.
import { apiGet, apiPost } from "./api";
import { LibError } from "./errors";
import { orderRef } from "./format";
import { keyCheckAad, sealForVerifier, verifierMismatch, type VerifierInfo } from "./verifierEnvelope";

/** The verifier's decision for the order's current delivery (api/verifier_relay/schemas.py). */
export interface KeyCheckAnswer {
  verifier: string;
  order: string;
  delivery_no: number;
  fingerprint: string;
  supplier: string;
  answer: string; // valid, invalid, redeemed, region_locked, unavailable
  outcome: "refund_pending" | "no_refund" | "region_locked" | "merchant_response";
  message: string;
  attempts: number;
  tx_hash: string | null;
  checked_at: string;
  repeated: boolean;
}

/** Seals `key` to the listing's `verifier` (read from the chain by the caller) for order
 * `orderId` of `escrow` on `chainId` and sends it; the verifier's refusals come back as ApiError,
 * a relayed verifier that is not the listing's as LibError before anything is sent. */
export async function sendKeyToVerifier(args: {
  orderId: bigint;
  key: Uint8Array;
  verifier: string;
  chainId: number;
  escrow: string;
}): Promise<KeyCheckAnswer> {
  const ref = orderRef(args.orderId);
  const info = await apiGet<VerifierInfo>(`/orders/${ref}/verifier`);
  const wrong = verifierMismatch(info, { verifier: args.verifier, chainId: args.chainId, escrow: args.escrow });
  if (wrong) throw new LibError(`verify.wrong.${wrong}`, { verifier: args.verifier, found: info.address });
  const envelope = await sealForVerifier(args.key, info.public_key, keyCheckAad(args.chainId, args.escrow, args.orderId));
  return apiPost<KeyCheckAnswer>(`/orders/${ref}/key-check`, { envelope });
}
