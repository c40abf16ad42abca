// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrator} from "../interfaces/IArbitrator.sol";

/// @notice Life cycle of an order. Terminal states: Completed, Refunded, Split.
/// The meaning of `Order.deadline` depends on the state (see `Order`).
enum OrderStatus {
    None,
    Paid, //                  waiting for delivery
    Delivered, //             waiting for the buyer (confirm window; or, with `reason` set, the
    //                        window to contest a VALID verifier verdict)
    Disputed, //              waiting for the merchant's answer (response window)
    VerifierRefundPending, // the verifier said the key is bad; refund after the appeal window
    Arbitrating, //           a court decides
    Completed, //             the merchant was paid
    Refunded, //              the buyer was refunded
    Split //                  the court split the price
}

/// @notice Why the buyer disputes a delivery.
enum DisputeReason {
    None,
    WrongContent, //   what was delivered is not what was committed (provable: proveMisdelivery)
    Duplicate, //      the key was sold before (provable: proveMisdelivery / registry)
    KeyInvalid, //     the issuer refuses the key (the listing's verifier attests)
    NotAsDescribed, // the product does not match the description (merchant answers, then court)
    Other
}

/// @notice Which published rule paid the merchant.
enum CompletionCause {
    BuyerConfirmed,
    ConfirmWindowPassed,
    Ruling
}

/// @notice Which published rule refunded the buyer.
enum RefundCause {
    MerchantRefunded,
    NotDelivered, //     delivery deadline passed: the unit's bond compensates the buyer
    Misdelivery, //      proven on chain: the unit's bond compensates the buyer
    MerchantSilent, //   response window passed: the unit's bond compensates the buyer
    VerifierAttested, // the listing's verifier said the key is invalid or redeemed
    Ruling,
    Duplicate //         the key was displaced by an older commitment of it: the unit's bond compensates
}

/// @notice Which card keys a listing sells. Every key must also be in canonical form
/// (docs/protocol.md, "Canonical keys"); a delivered key outside it is a provable fault.
enum KeyAlphabet {
    Text, //           any canonical UTF-8 text (no controls, format or invisible characters)
    PrintableAscii //  0x20..0x7E only: what nearly every game, gift-card and licence key uses
}

/// @notice Rulings the escrow understands (ERC-792 convention: 0 = refused to rule).
library Rulings {
    uint256 internal constant SPLIT = 0;
    uint256 internal constant REFUND_BUYER = 1;
    uint256 internal constant PAY_MERCHANT = 2;
    uint256 internal constant CHOICES = 2;
}

/// @notice Verifier verdicts (docs/protocol.md, "Verifier attestation"): what a listing's
/// verifier signs, EIP-712 typed, about a disputed key.
library Verdicts {
    uint8 internal constant INVALID = 1; //  the issuer refuses the key
    uint8 internal constant REDEEMED = 2; // the issuer says the key was already redeemed
    uint8 internal constant VALID = 3; //    the issuer accepts the key as working and unredeemed
    bytes32 internal constant KEY_VERDICT_TYPEHASH = keccak256(
        "KeyVerdict(uint256 orderId,uint256 deliveryNo,bytes32 fingerprint,uint8 verdict,uint64 deadline)"
    );
}

/// @notice What a merchant sets when creating a listing. All but `price` and `active` are fixed
/// for the listing's life: buyers rely on them (windows, bonds, verifier, description).
struct ListingTerms {
    address token; //          address(0) = ETH
    uint96 price;
    uint96 bondPerUnit; //     locked per committed unit; compensates the buyer on a proven fault
    uint96 disputeBond; //     the buyer deposits it to dispute; returned unless a ruling goes against them
    uint24 deliveryWindow; //  seconds from payment to delivery
    uint24 confirmWindow; //   seconds from delivery for the buyer to confirm or dispute
    uint24 responseWindow; //  seconds from a dispute for the merchant to answer
    uint24 appealWindow; //    seconds from a verifier attestation for the merchant to appeal
    uint8 maxReplacements; //  how many replacement units the merchant may send per order
    address verifier; //       signs key verdicts (EIP-712); address(0) = none
    bytes32 descriptionHash; // hash of the product description, fixed at creation
}

/// @notice Stored listing, packed by who reads it: slot 0 by deliver and the dispute paths,
/// slot 1 by settlement, slot 2 read and written by pay.
struct Listing {
    // slot 0
    address merchant;
    uint24 confirmWindow;
    uint24 responseWindow;
    uint24 appealWindow;
    uint8 maxReplacements;
    uint16 feeBps; //          the platform fee when the listing was created: fixed for its life
    // slot 1
    address token;
    uint96 bondPerUnit;
    // slot 2
    uint96 price; //          current price (its version is `priceVersion`)
    uint16 priceVersion; //   index into the listing's price history; orders keep the one they paid
    uint32 stockAvailable; // committed, bonded units not yet reserved by an order
    uint24 deliveryWindow;
    bool active;
    uint40 pricePoint; //     the global price point of `price` (what a new order records)
    KeyAlphabet keyAlphabet;
    // slot 3
    address verifier;
    uint96 disputeBond;
    // slot 4
    bytes32 descriptionHash;
}

/// @notice A committed stock batch, keyed by its merchant and Merkle root (so nobody can squat a
/// root seen in the mempool). One slot.
/// Deliverable units: count - used - revoked. Revoking withdraws units from sale (and their bond)
/// only as far as no open order relies on them, so it can be repeated as orders end.
/// `seq` orders all batches by commitment: when two batches hold the same key, the older one's
/// delivery takes precedence (docs/protocol.md, "Fingerprint registry").
struct Batch {
    uint64 listingId;
    uint32 count;
    uint32 used; //    units delivered from this batch
    uint32 revoked; // units withdrawn from sale by the merchant
    uint64 seq; //     1 for the escrow's first batch, +1 per commit
}

/// @notice One price a listing had: what an order paid is named by one 40-bit id, so an order
/// stays one slot while listing ids are 64-bit (they cannot run out). One slot.
struct PricePoint {
    uint64 listingId;
    uint96 price;
    uint16 version; // the listing's price version (0 at creation, +1 per setPrice)
}

/// @notice An order: one slot. Its id is the address of the buyer's per-order public key, so it
/// is unique by construction and the key needs no storage of its own.
/// `deadline` is the end of the current phase: delivery (Paid), confirm (Delivered), response
/// (Disputed), appeal (VerifierRefundPending; Delivered after a VALID verdict, when `reason` is
/// not None), arbitration timeout (Arbitrating).
struct Order {
    address buyer;
    uint40 pricePoint; //    the listing and price this order paid (listing prices may change later)
    OrderStatus status;
    uint32 deadline;
    uint8 deliveries; //     keys delivered so far; the current delivery is number `deliveries - 1`
    DisputeReason reason; // the current delivery's dispute (None = undisputed; kept after a VALID verdict)
}

/// @notice The court case of an order that went to arbitration: the court it was opened at (a
/// later `setArbitrator` does not move it) and the court's id for it.
struct Case {
    IArbitrator arbitrator;
    uint256 disputeId;
}

/// @notice An order as the `order` view reports it (the price point unpacked).
struct OrderView {
    address buyer;
    uint64 listingId;
    OrderStatus status;
    uint32 deadline;
    uint8 deliveries;
    DisputeReason reason;
    uint16 priceVersion;
}

/// @notice The delivery record a misdelivery proof reproduces (see docs/protocol.md).
struct DeliveryRecord {
    bytes32 root;
    uint256 unitIndex;
    bytes32 commitment;
    bytes32 fingerprint;
    bytes32 ephemeralX;
    uint8 ephemeralParity;
    bytes ciphertext;
}

/// @notice A buyer's fresh per-order public key on secp256k1 (its address is the order id).
struct BuyerKey {
    uint256 x;
    uint256 y;
}

/// @notice One item of a batched delivery (`deliverMany`): what `deliver` takes.
struct Delivery {
    uint256 orderId;
    DeliveryRecord record;
    bytes32[] proof;
}

/// @notice Global settings, one slot.
struct EscrowConfig {
    address treasury;
    uint16 feeBps;
    bool paused;
}
