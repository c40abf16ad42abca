// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";
import {IDeliveryFaults} from "./IDeliveryFaults.sol";
import {
    OrderStatus,
    DisputeReason,
    CompletionCause,
    RefundCause,
    ListingTerms,
    KeyAlphabet,
    Listing,
    Batch,
    PricePoint,
    OrderView,
    DeliveryRecord,
    BuyerKey,
    Delivery,
    EscrowConfig
} from "../types/EscrowTypes.sol";

/// @notice The fairkey escrow's public interface: its external functions, events and errors
/// (ownership comes from OpenZeppelin's Ownable2Step, the EIP-712 domain from EIP-5267, the
/// court's callback `rule` from IArbitrable). Every state change emits one event; the indexer
/// rebuilds all state from them, so their fields are part of the interface too.
/// Rule tiers: L1 automatic (deadlines, misdelivery proof, verifier attestation), L2 the
/// merchant's answer to a dispute (refund, replacement, contest), L3 the court.
interface IFairkeyEscrow is IArbitrable {
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
    /// @notice N orders paid in one transaction (`payBasket`), after their N OrderPaid events.
    /// The basket's id is its first order's id; every order in it is a unit order like any other.
    event BasketPaid(
        uint256 indexed basketId, uint256 indexed listingId, address indexed buyer, uint256[] orderIds, uint256 total
    );
    /// @notice A batch call (`deliverMany`, `confirmMany`, `settleMany`) skipped this order:
    /// `reason` is the ABI-encoded custom error the single-order call would have reverted with
    /// (for example EscrowUnexpectedStatus when the order was refunded a moment before). The
    /// batch's other orders are unaffected.
    event BatchItemRefused(uint256 indexed orderId, bytes reason);
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
    error EscrowOutOfStock(uint256 listingId, uint256 available, uint256 requested);
    error EscrowBasketSize(uint256 quantity, uint256 max);
    error EscrowEmptyList();
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
    /// The listing's verifier found this delivery valid: it cannot be disputed again (the buyer
    /// may contest the verdict instead).
    error EscrowVerdictStands(uint256 orderId);
    error EscrowNoArbitrator();
    error EscrowArbitrationFee(uint256 required, uint256 provided);
    error EscrowUnknownDispute(address arbitrator, uint256 disputeId);
    error EscrowInvalidRuling(uint256 ruling);
    error EscrowNothingToWithdraw(address token, address account);
    error EscrowTransferFailed(address to, uint256 amount);

    // ================================================================ functions
    // Public constants (MAX_FEE_BPS, the MIN_/MAX_ window bounds, MAX_REPLACEMENTS,
    // ARBITRATION_TIMEOUT, VERDICT_INVALID, VERDICT_REDEEMED, KEY_VERDICT_TYPEHASH) are getters
    // of the implementation too; their values are the protocol's (docs/protocol.md).

    // ---------------------------------------------------------------- administration (owner)

    /// @notice Stops listings, stock commits and payments (owner). Deliveries, refunds,
    /// settlements, disputes and withdrawals always work. Emits PausedSet.
    function setPaused(bool paused) external;

    /// @notice Where platform fees are credited (owner). Emits TreasuryChanged.
    function setTreasury(address treasury) external;

    /// @notice Platform fee on released prices for listings created from now on (a listing keeps
    /// the fee it was created with), at most MAX_FEE_BPS (owner). Emits FeeChanged.
    function setFee(uint16 feeBps) external;

    /// @notice The court for new arbitration cases (owner); open cases keep theirs.
    /// Emits ArbitratorChanged.
    function setArbitrator(IArbitrator newArbitrator) external;

    /// @notice Treasury, fee in basis points and the pause flag.
    function config() external view returns (EscrowConfig memory);

    /// @notice The court that rules on contested orders (new cases only; open ones keep theirs).
    function arbitrator() external view returns (IArbitrator);

    // ---------------------------------------------------------------- money

    /// @notice What `account` can withdraw in `token` (address(0) = ETH).
    function creditOf(address token, address account) external view returns (uint256);

    /// @notice Sends the caller everything credited to them in `token`. Emits Withdrawn.
    function withdraw(address token) external;

    /// @notice Sends the caller's credit in `token` to `to` (for accounts that cannot receive ETH).
    /// Emits Withdrawn.
    function withdrawTo(address token, address to) external;

    // ---------------------------------------------------------------- listings and stock (merchant)

    /// @notice Opens a listing whose caller is the merchant, selling keys of `keyAlphabet` (a
    /// delivered key outside it is a provable fault). Terms other than price and the active flag
    /// are fixed for the listing's life. Emits ListingCreated.
    function createListing(ListingTerms calldata terms, KeyAlphabet keyAlphabet) external returns (uint256 listingId);

    /// @notice Changes the price for future orders; open orders keep theirs (merchant).
    /// Emits ListingPriceChanged.
    function setPrice(uint256 listingId, uint96 price) external;

    /// @notice Opens or closes the listing to new orders (merchant). Emits ListingActiveChanged.
    function setActive(uint256 listingId, bool active) external;

    /// @notice Commits a batch of `count` keys by its Merkle root and deposits
    /// `count × bondPerUnit` (ETH as msg.value, ERC-20 by allowance). Gas does not depend on
    /// `count`. `supplier` tags where the keys came from. Merchant only. Emits StockCommitted.
    function commitStock(uint256 listingId, bytes32 root, uint32 count, bytes32 supplier) external payable;

    /// @notice Withdraws the caller's batch `root` of `listingId`: its unsold units from sale and
    /// credits their bond back to the merchant, as far as no open order relies on them (paid
    /// orders keep a unit each); call again after those orders end to withdraw the rest.
    /// Merchant only. Emits StockRevoked.
    function revokeBatch(uint256 listingId, bytes32 root) external;

    /// @notice Number of listings created; ids run from 1.
    function listingCount() external view returns (uint256);

    /// @notice Number of stock batches committed (the newest batch's `seq`).
    function batchCount() external view returns (uint256);

    /// @notice A listing as stored.
    function listing(uint256 listingId) external view returns (Listing memory);

    /// @notice A merchant's stock batch by its Merkle root.
    function batch(address merchant, bytes32 root) external view returns (Batch memory);

    /// @notice A price point (listing, price, version) as orders record it.
    function pricePoint(uint256 id) external view returns (PricePoint memory);

    /// @notice The price that version `version` of a listing's price had.
    function priceAt(uint256 listingId, uint256 version) external view returns (uint256);

    /// @notice Whether unit `index` of batch `root` was delivered.
    function isUnitUsed(bytes32 root, uint256 index) external view returns (bool);

    /// @notice Registry entry of the delivery that holds this key (by fingerprint): its batch's
    /// seq (top 64 bits) and the top 192 bits of its record hash; zero if the key was never
    /// delivered. The KeyDelivered event (fingerprint is indexed) names the order.
    function deliveryOf(bytes32 fingerprint) external view returns (bytes32 entry);

    /// @notice Whether a registry entry was displaced by an older batch's delivery of its key.
    function isDisplaced(bytes32 entry) external view returns (bool);

    // ---------------------------------------------------------------- orders

    /// @notice Pays `listingId`'s price into escrow (ETH as msg.value, ERC-20 by allowance) and
    /// reserves one bonded unit. `maxPrice` is the price the buyer agreed to: if the merchant
    /// raised the price in between, the payment reverts (EscrowPriceAboveLimit) instead of taking
    /// more. (buyerKeyX, buyerKeyY) is a fresh per-order public key on secp256k1; the merchant
    /// encrypts the card key to it, and its address is the order id. Emits OrderPaid.
    function pay(uint256 listingId, uint256 maxPrice, uint256 buyerKeyX, uint256 buyerKeyY)
        external
        payable
        returns (uint256 orderId);

    /// @notice Pays for `keys.length` keys of `listingId` in one transaction: one unit order per
    /// buyer key, each exactly as `pay` opens it (its own deadline, delivery, dispute, proof and
    /// refund). `maxPrice` is the agreed price per key. ETH must be exactly price × N; an ERC-20
    /// is pulled once for the total. 1 ≤ N ≤ MAX_BASKET. Emits N OrderPaid, then BasketPaid.
    function payBasket(uint256 listingId, uint256 maxPrice, BuyerKey[] calldata keys)
        external
        payable
        returns (uint256[] memory orderIds);

    /// @notice The most keys one basket may buy (a basket's orders must fit one transaction).
    function MAX_BASKET() external view returns (uint256);

    /// @notice Delivers a committed unit, encrypted to the order's buyer key, before the delivery
    /// deadline. The unit must be unused, its key never delivered before (anywhere), and its
    /// Merkle proof valid under a batch of this listing. Merchant only. Emits KeyDelivered.
    function deliver(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external;

    /// @notice Delivers many paid orders (of any listings the caller sells) in one transaction.
    /// Each item goes through exactly `deliver`'s rule; an item that rule refuses is skipped
    /// with BatchItemRefused (the others still deliver). Returns how many were delivered.
    function deliverMany(Delivery[] calldata deliveries) external returns (uint256 delivered);

    /// @notice The buyer accepts the key (also ends a dispute they opened, returning their dispute
    /// bond; after a VALID verifier verdict the held bond goes to the merchant): the merchant is
    /// paid. Buyer only. Emits DisputeWithdrawn (when a dispute is open) and OrderCompleted.
    function confirm(uint256 orderId) external;

    /// @notice After the confirm window passed without a dispute (or the window to contest a VALID
    /// verifier verdict passed), anyone releases the payment to the merchant, with the buyer's held
    /// dispute bond after a VALID verdict. Emits OrderCompleted.
    function settle(uint256 orderId) external;

    /// @notice `confirm` for each order (the caller must be its buyer); an order `confirm` would
    /// refuse is skipped with BatchItemRefused. Returns how many were confirmed.
    function confirmMany(uint256[] calldata orderIds) external returns (uint256 confirmed);

    /// @notice `settle` for each order; an order not due (or already settled by someone else) is
    /// skipped with BatchItemRefused, so a front-run settle of one order cannot fail the batch.
    /// Returns how many were settled.
    function settleMany(uint256[] calldata orderIds) external returns (uint256 settled);

    /// @notice After the delivery deadline passed without a delivery, anyone refunds the buyer,
    /// who also receives the unit's bond as compensation. Emits OrderRefunded.
    function refundUndelivered(uint256 orderId) external;

    /// @notice The merchant refunds the buyer (out of stock, or answering a dispute); a held
    /// dispute bond goes back to the buyer. Not during arbitration. A refund after a missed
    /// delivery or response deadline is that deadline's rule (the buyer still gets the unit's
    /// bond): refunding late cannot dodge the compensation. A refund that could pre-empt a
    /// misdelivery proof - of an undisputed delivery, or of a dispute claiming a provable fault
    /// (wrong content, duplicate) - pays the buyer the unit's bond as that proof would: a merchant
    /// who sees a proof pending cannot front-run it to keep its bond. Merchant only.
    /// Emits OrderRefunded.
    function refund(uint256 orderId) external;

    /// @notice An order, with the listing and price version it paid.
    function order(uint256 orderId) external view returns (OrderView memory);

    // ---------------------------------------------------------------- disputes and proofs (L1)

    /// @notice Disputes the delivered key inside the confirm window, depositing the listing's
    /// dispute bond. `evidenceHash` anchors off-chain evidence. Once the listing's verifier found
    /// the delivery valid it cannot be disputed again (EscrowVerdictStands). Buyer only.
    /// Emits OrderDisputed.
    function dispute(uint256 orderId, DisputeReason reason, bytes32 evidenceHash) external payable;

    /// @notice Proves that the delivered key is not what the merchant committed: reveals the
    /// per-order secret, decrypts on chain, and refunds the buyer with the unit's bond as
    /// compensation if the plaintext or its fingerprint differs from the commitment. Reverts with
    /// EscrowDeliveryMatchesCommitment when the delivery is correct. A proof outranks any vote:
    /// it also ends an arbitration (the court's later ruling is refused). Anyone may submit (the
    /// money goes to the buyer). Emits MisdeliveryProven and OrderRefunded.
    function proveMisdelivery(uint256 orderId, uint256 buyerSecret, DeliveryRecord calldata record) external;

    /// @notice Proves that the order's current delivery was displaced from the fingerprint
    /// registry by an older batch's delivery of the same key (the key was sold twice, and the
    /// older commitment wins): refunds the buyer with the unit's bond as compensation, in the
    /// states and window where a misdelivery proof is accepted. `record` is the order's current
    /// delivery (as in its KeyDelivered event). Anyone may submit (the money goes to the buyer).
    /// Emits DuplicateProven and OrderRefunded.
    function proveDuplicate(uint256 orderId, DeliveryRecord calldata record) external;

    /// @notice After the response window passed without the merchant's answer, anyone refunds the
    /// buyer: price, dispute bond, and the unit's bond as compensation. Emits OrderRefunded.
    function refundUnanswered(uint256 orderId) external;

    /// @notice The stateless contract that decrypts a delivery for `proveMisdelivery` and
    /// reports its fault (created by the escrow's constructor).
    function deliveryFaults() external view returns (IDeliveryFaults);

    // ---------------------------------------------------------------- verifier verdicts (L1, appealable)

    /// @notice Records the listing verifier's signed verdict on the disputed key, whatever the
    /// dispute's reason. INVALID / REDEEMED (the issuer refuses the key, or it was redeemed): the
    /// buyer is refunded after the appeal window unless the merchant replaces the key or contests.
    /// VALID (the issuer accepts the key as working and unredeemed: a working key is a delivered
    /// key): the order is Delivered again, its dispute bond still held, and is settled to the
    /// merchant (bond included) after the appeal window unless the buyer contests the verdict or a
    /// misdelivery / duplicate proof refunds it. Only within the merchant's response window (after
    /// it, the silent-merchant refund applies); the appeal window never ends before the response
    /// window would have. `record` is the order's current delivery (as in its KeyDelivered event).
    /// Replay-proof: the signature binds chain, contract, order, delivery number and key, and
    /// expires. Anyone may submit. Emits VerifierAttested.
    function submitVerdict(
        uint256 orderId,
        DeliveryRecord calldata record,
        uint8 verdict,
        uint64 deadline,
        bytes calldata signature
    ) external;

    /// @notice After the appeal window of a verifier verdict, anyone refunds the buyer (dispute
    /// bond included). Emits OrderRefunded.
    function executeVerifierRefund(uint256 orderId) external;

    /// @notice The EIP-712 digest a verifier signs for `submitVerdict`.
    function verdictDigest(uint256 orderId, uint256 deliveryNo, bytes32 fingerprint, uint8 verdict, uint64 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 domain separator (for verifiers' signing tools).
    function domainSeparator() external view returns (bytes32);

    // ---------------------------------------------------------------- merchant answer (L2)

    /// @notice Answers a dispute (or a verifier verdict, within its appeal window) with a
    /// replacement unit from stock; the buyer's dispute bond is returned and a new confirm window
    /// opens. At most the listing's `maxReplacements` per order. Merchant only. Emits KeyDelivered.
    function replace(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external;

    /// @notice Contests a dispute or appeals a verifier verdict inside its window: opens a court
    /// case, paying the arbitration fee in ETH (any excess is credited back). The merchant, for a
    /// dispute or an INVALID / REDEEMED verdict; the buyer, for a VALID verdict (before its appeal
    /// deadline). Emits ArbitrationRequested.
    function contest(uint256 orderId, bytes32 evidenceHash) external payable;

    // ---------------------------------------------------------------- court (L3)
    // `rule(disputeId, ruling)` (IArbitrable): 1 refunds the buyer, 2 pays the merchant (who also
    // receives the buyer's dispute bond), 0 splits the price. Only the case's arbitrator.
    // Emits Ruling and OrderRefunded / OrderCompleted / OrderSplit.

    /// @notice When the court has not ruled within ARBITRATION_TIMEOUT, anyone splits the order so
    /// no money waits forever. Emits OrderSplit.
    function resolveStalledArbitration(uint256 orderId) external;

    /// @notice The court case of an order that went to arbitration (its court and case id).
    function cases(uint256 orderId) external view returns (IArbitrator arbitrator, uint256 disputeId);

    /// @notice The order behind a court's case id (0 = none); `rule` looks its caller's cases up.
    function orderOfDispute(address arbitrator, uint256 disputeId) external view returns (uint256 orderId);
}
