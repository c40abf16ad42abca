// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    OrderStatus,
    DisputeReason,
    CompletionCause,
    RefundCause,
    ListingTerms,
    KeyAlphabet
} from "../types/EscrowTypes.sol";

/// @notice Events and errors of the fairkey escrow. Every state change emits one event; the
/// indexer rebuilds all state from them, so their fields are part of the public interface.
interface IFairkeyEscrow {
    // ---------------------------------------------------------------- listings and stock
    event ListingCreated(
        uint256 indexed listingId,
        address indexed merchant,
        address indexed token,
        ListingTerms terms,
        KeyAlphabet keyAlphabet
    );
    event ListingPriceChanged(uint256 indexed listingId, uint256 price);
    event ListingActiveChanged(uint256 indexed listingId, bool active);
    /// @param supplier the merchant's tag for where the keys came from (supplier accountability)
    event StockCommitted(
        uint256 indexed listingId, bytes32 indexed root, uint256 count, uint256 bond, bytes32 supplier
    );
    event StockRevoked(
        uint256 indexed listingId, bytes32 indexed root, uint256 unitsRevoked, uint256 bondReleased
    );

    // ---------------------------------------------------------------- orders
    event OrderPaid(
        uint256 indexed orderId,
        uint256 indexed listingId,
        address indexed buyer,
        uint256 price,
        uint256 buyerKeyX,
        uint256 buyerKeyY,
        uint256 deliveryDeadline
    );
    /// @param deliveryNo 0 for the first key, 1.. for replacements
    event KeyDelivered(
        uint256 indexed orderId,
        bytes32 indexed root,
        bytes32 indexed fingerprint,
        uint256 unitIndex,
        uint256 deliveryNo,
        bytes32 commitment,
        bytes32 ephemeralX,
        uint8 ephemeralParity,
        bytes ciphertext,
        uint256 confirmDeadline
    );
    event OrderDisputed(
        uint256 indexed orderId, DisputeReason reason, bytes32 evidenceHash, uint256 responseDeadline
    );
    event DisputeWithdrawn(uint256 indexed orderId);
    event VerifierAttested(
        uint256 indexed orderId, address indexed verifier, uint8 verdict, uint256 appealDeadline
    );
    event MisdeliveryProven(uint256 indexed orderId, bytes32 indexed fingerprint, uint8 fault);
    /// @notice An older batch's delivery of `fingerprint` (to `byOrder`) displaced the registry
    /// entry `displaced`; that delivery's buyer may now prove "duplicate".
    event KeyDisplaced(bytes32 indexed fingerprint, bytes32 displaced, uint256 indexed byOrder);
    event DuplicateProven(uint256 indexed orderId, bytes32 indexed fingerprint);
    event ArbitrationRequested(
        uint256 indexed orderId,
        address indexed arbitrator,
        uint256 indexed disputeId,
        address requester,
        bytes32 evidenceHash,
        uint256 timeoutAt
    );
    event OrderCompleted(
        uint256 indexed orderId, CompletionCause cause, uint256 merchantAmount, uint256 fee
    );
    event OrderRefunded(uint256 indexed orderId, RefundCause cause, uint256 buyerAmount, uint256 compensation);
    event OrderSplit(uint256 indexed orderId, uint256 buyerAmount, uint256 merchantAmount, uint256 fee);

    // ---------------------------------------------------------------- money and administration
    event Withdrawn(address indexed account, address indexed token, address to, uint256 amount);
    event PausedSet(bool paused);
    event TreasuryChanged(address treasury);
    event FeeChanged(uint256 feeBps);
    event ArbitratorChanged(address arbitrator);

    // ---------------------------------------------------------------- errors
    error EscrowPaused();
    error EscrowZeroAddress();
    error EscrowFeeTooHigh(uint256 feeBps, uint256 maxBps);
    error EscrowWindowOutOfRange(uint256 window, uint256 value, uint256 min, uint256 max);
    error EscrowTooManyReplacements(uint256 requested, uint256 max);
    error EscrowUnknownListing(uint256 listingId);
    error EscrowNotMerchant(uint256 listingId, address caller);
    error EscrowListingInactive(uint256 listingId);
    error EscrowOutOfStock(uint256 listingId);
    error EscrowStockOverflow(uint256 listingId);
    error EscrowEmptyBatch();
    error EscrowBatchExists(bytes32 root);
    error EscrowUnknownBatch(bytes32 root);
    error EscrowBatchRevoked(bytes32 root);
    error EscrowNothingToRevoke(bytes32 root);
    error EscrowZeroPrice();
    error EscrowBatchOfOtherListing(bytes32 root, uint256 batchListing, uint256 orderListing);
    error EscrowUnitOutOfRange(bytes32 root, uint256 unitIndex, uint256 count);
    error EscrowInvalidProof(bytes32 root, uint256 unitIndex);
    error EscrowUnitAlreadyUsed(bytes32 root, uint256 unitIndex);
    error EscrowKeyAlreadyDelivered(bytes32 fingerprint);
    error EscrowCiphertextLength(uint256 length);
    error EscrowUnknownOrder(uint256 orderId);
    error EscrowOrderExists(uint256 orderId);
    error EscrowTooManyListings();
    error EscrowTooManyPricePoints();
    error EscrowPriceAboveLimit(uint256 listingId, uint256 price, uint256 maxPrice);
    error EscrowNotDisplaced(uint256 orderId);
    error EscrowPriceHistoryFull(uint256 listingId);
    error EscrowUnexpectedStatus(uint256 orderId, OrderStatus current);
    error EscrowNotBuyer(uint256 orderId, address caller);
    error EscrowDeadlinePassed(uint256 orderId, uint256 deadline);
    error EscrowDeadlineNotReached(uint256 orderId, uint256 deadline);
    error EscrowInvalidBuyerKey(uint256 x, uint256 y);
    error EscrowWrongPayment(uint256 expected, uint256 received);
    error EscrowFeeOnTransferToken(address token, uint256 expected, uint256 received);
    error EscrowNoDisputeReason();
    error EscrowReplacementsExhausted(uint256 orderId, uint256 max);
    error EscrowRecordMismatch(uint256 orderId);
    error EscrowInvalidOrderKey(uint256 orderId);
    error EscrowDeliveryMatchesCommitment(uint256 orderId);
    error EscrowNoVerifier(uint256 listingId);
    error EscrowUnknownVerdict(uint8 verdict);
    error EscrowAttestationExpired(uint256 deadline);
    error EscrowInvalidAttestation(uint256 orderId, address verifier);
    error EscrowNoArbitrator();
    error EscrowArbitrationFee(uint256 required, uint256 provided);
    error EscrowUnknownDispute(address arbitrator, uint256 disputeId);
    error EscrowInvalidRuling(uint256 ruling);
    error EscrowNothingToWithdraw(address token, address account);
    error EscrowTransferFailed(address to, uint256 amount);
}
