// Every contract call and struct field the lib names exists in the exported ABIs (themselves
// checked against the build by tests/web/test_abis.py): a renamed function or field fails here,
// not in a buyer's browser.
import { describe, expect, test } from "vitest";
import { formatAbiItem } from "viem/utils";
import type { Abi, AbiFunction, AbiParameter } from "viem";
import { courtAbi, erc20Abi, escrowAbi } from "../src/lib/chain";

const RECORD = "(bytes32,uint256,bytes32,bytes32,bytes32,uint8,bytes)";
const CALLS: Array<[Abi, string]> = [
  [escrowAbi, `pay(uint256,uint256,uint256,uint256)`],
  [escrowAbi, `payBasket(uint256,uint256,(uint256,uint256)[])`],
  [escrowAbi, `deliver(uint256,${RECORD},bytes32[])`],
  [escrowAbi, `replace(uint256,${RECORD},bytes32[])`],
  [escrowAbi, `proveMisdelivery(uint256,uint256,${RECORD})`],
  [escrowAbi, `proveDuplicate(uint256,${RECORD})`],
  [escrowAbi, "confirm(uint256)"],
  [escrowAbi, "confirmMany(uint256[])"],
  [escrowAbi, "dispute(uint256,uint8,bytes32)"],
  [escrowAbi, "refund(uint256)"],
  [escrowAbi, "contest(uint256,bytes32)"],
  [escrowAbi, "settle(uint256)"],
  [escrowAbi, "refundUndelivered(uint256)"],
  [escrowAbi, "refundUnanswered(uint256)"],
  [escrowAbi, "executeVerifierRefund(uint256)"],
  [escrowAbi, "resolveStalledArbitration(uint256)"],
  [escrowAbi, "withdraw(address)"],
  [escrowAbi, "withdrawTo(address,address)"],
  [escrowAbi, "createListing((address,uint96,uint96,uint96,uint24,uint24,uint24,uint24,uint8,address,bytes32),uint8)"],
  [escrowAbi, "setPrice(uint256,uint96)"],
  [escrowAbi, "setActive(uint256,bool)"],
  [escrowAbi, "commitStock(uint256,bytes32,uint32,bytes32)"],
  [escrowAbi, "revokeBatch(uint256,bytes32)"],
  [escrowAbi, "listing(uint256)"],
  [escrowAbi, "order(uint256)"],
  [escrowAbi, "batch(address,bytes32)"],
  [escrowAbi, "creditOf(address,address)"],
  [escrowAbi, "isUnitUsed(bytes32,uint256)"],
  [escrowAbi, "priceAt(uint256,uint256)"],
  [escrowAbi, "arbitrator()"],
  [escrowAbi, "MAX_BASKET()"],
  [courtAbi, "setStake(uint256)"],
  [courtAbi, "withdraw(address)"],
  [courtAbi, "settle(uint256,uint256,uint256)"],
  [courtAbi, "appeal(uint256,bytes)"],
  [courtAbi, "appealCost(uint256,bytes)"],
  [courtAbi, "arbitrationCost(bytes)"],
  [courtAbi, "submitEvidence(uint256,string,bytes32)"],
  [courtAbi, "params()"],
  [courtAbi, "stakeOf(address)"],
  [courtAbi, "creditOf(address,address)"],
  [courtAbi, "caseData(uint256)"],
  [courtAbi, "roundOf(uint256,uint256)"],
  [courtAbi, "voteOf(uint256,uint256)"],
  [courtAbi, "jurorAt(uint256,uint256)"],
  [erc20Abi, "allowance(address,address)"],
  [erc20Abi, "approve(address,uint256)"],
  [erc20Abi, "balanceOf(address)"],
  [erc20Abi, "symbol()"],
  [erc20Abi, "decimals()"],
];

// The struct fields the lib reads by name (lib/escrow.ts, lib/courtChain.ts).
const FIELDS: Array<[Abi, string, string[]]> = [
  [escrowAbi, "listing", ["merchant", "confirmWindow", "responseWindow", "appealWindow", "maxReplacements", "feeBps", "token", "bondPerUnit", "price", "priceVersion", "stockAvailable", "deliveryWindow", "active", "pricePoint", "keyAlphabet", "verifier", "disputeBond", "descriptionHash"]],
  [escrowAbi, "order", ["buyer", "listingId", "status", "deadline", "deliveries", "reason", "priceVersion"]],
  [escrowAbi, "batch", ["listingId", "count", "used", "revoked", "seq"]],
  [courtAbi, "params", ["stakeToken", "minStake", "lockPerSeat", "feePerJuror", "stakeQuantum", "evidencePeriod", "commitPeriod", "revealPeriod", "appealPeriod", "maxRounds"]],
  [courtAbi, "stakeOf", ["staked", "locked", "openSeats"]],
  [courtAbi, "caseData", ["arbitrable", "period", "round", "ruling", "periodStart", "commits", "buyer", "merchant"]],
  [courtAbi, "roundOf", ["ticket", "seats", "drawn", "attempts", "committed", "revealed", "settled", "votesRefuse", "votesFirst", "votesSecond", "aborted", "commits", "reveals", "feePayer", "fee", "defender", "defenderDeposit"]],
];

const EVENTS: Array<[Abi, string, string[]]> = [
  [escrowAbi, "OrderPaid", ["orderId", "listingId", "buyer", "price", "buyerKeyX", "buyerKeyY", "deliveryDeadline"]],
  [escrowAbi, "BasketPaid", ["basketId", "orderIds", "total"]],
  [escrowAbi, "KeyDelivered", ["orderId", "root", "fingerprint", "unitIndex", "deliveryNo", "commitment", "ephemeralX", "ephemeralParity", "ciphertext", "confirmDeadline"]],
  [escrowAbi, "ListingCreated", ["listingId"]],
  [courtAbi, "JurorDrawn", ["caseId", "round", "seat", "juror"]],
  [courtAbi, "VoteCommitted", ["caseId", "seat", "commitHash"]],
];

const signature = (f: AbiFunction) => formatAbiItem(f).replace(/^function /, "");

describe("the ABIs hold what the lib calls", () => {
  test.each(CALLS.map(([abi, sig]) => [sig, abi] as const))("%s", (sig, abi) => {
    const functions = abi.filter((x): x is AbiFunction => x.type === "function");
    expect(functions.map(signature)).toContain(sig);
  });

  test.each(FIELDS.map(([abi, name, fields]) => [name, abi, fields] as const))("%s's fields", (name, abi, fields) => {
    const fn = abi.find((x): x is AbiFunction => x.type === "function" && x.name === name)!;
    const out = fn.outputs.length === 1 && "components" in fn.outputs[0] ? (fn.outputs[0] as { components: readonly AbiParameter[] }).components : fn.outputs;
    expect(out.map((p) => p.name)).toEqual(expect.arrayContaining(fields));
  });

  test.each(EVENTS.map(([abi, name, fields]) => [name, abi, fields] as const))("event %s", (name, abi, fields) => {
    const ev = abi.find((x) => x.type === "event" && x.name === name) as { inputs: readonly AbiParameter[] } | undefined;
    expect(ev?.inputs.map((p) => p.name)).toEqual(expect.arrayContaining(fields));
  });
});
