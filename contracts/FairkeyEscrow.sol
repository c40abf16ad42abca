// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {OrderBook} from "./escrow/OrderBook.sol";
import {EscrowAdmin} from "./escrow/EscrowAdmin.sol";
import {DeliveryCrypto} from "./libraries/DeliveryCrypto.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IArbitrable} from "./interfaces/IArbitrable.sol";
import {
    Listing,
    Order,
    OrderStatus,
    DisputeReason,
    CompletionCause,
    RefundCause,
    DeliveryRecord,
    Rulings
} from "./types/EscrowTypes.sol";

/// @title fairkey escrow
/// @notice Holds a card-key buyer's payment until the key is shown good or a published rule
/// refunds it. Rule tiers: L1 automatic (deadlines, misdelivery proof, verifier attestation),
/// L2 the merchant's answer to a dispute (refund, replacement, contest), L3 the court.
contract FairkeyEscrow is OrderBook, EIP712, IArbitrable {
    /// @notice A court that never rules cannot hold money: after this, anyone splits the order.
    uint256 public constant ARBITRATION_TIMEOUT = 30 days;
    uint8 public constant VERDICT_INVALID = 1;
    uint8 public constant VERDICT_REDEEMED = 2;
    bytes32 public constant KEY_VERDICT_TYPEHASH = keccak256(
        "KeyVerdict(uint256 orderId,uint256 deliveryNo,bytes32 fingerprint,uint8 verdict,uint64 deadline)"
    );

    struct Case {
        IArbitrator arbitrator;
        uint256 disputeId;
    }

    /// @notice The court case of an order that went to arbitration (its court and case id).
    mapping(uint256 orderId => Case) public cases;
    /// @notice The order behind a court's case id (0 = none); `rule` looks its caller's cases up.
    mapping(address arbitrator => mapping(uint256 disputeId => uint256 orderId)) public orderOfDispute;

    constructor(address owner_, address treasury_, uint16 feeBps_, IArbitrator arbitrator_)
        EscrowAdmin(owner_, treasury_, feeBps_, arbitrator_)
        EIP712("fairkey", "1")
    {}

    // ------------------------------------------------------------------ buyer

    /// @notice Disputes the delivered key inside the confirm window, depositing the listing's
    /// dispute bond. `evidenceHash` anchors off-chain evidence. Buyer only. Emits OrderDisputed.
    function dispute(uint256 orderId, DisputeReason reason, bytes32 evidenceHash)
        external
        payable
        nonReentrant
    {
        Order storage o = _loadOrder(orderId, DELIVERED);
        if (msg.sender != o.buyer) revert EscrowNotBuyer(orderId, msg.sender);
        if (reason == DisputeReason.None) revert EscrowNoDisputeReason();
        _requireBeforeDeadline(orderId, o);
        Listing storage l = _listings[_listingIdOf(o)];
        uint256 deadline = block.timestamp + l.responseWindow;
        o.status = OrderStatus.Disputed;
        o.reason = reason;
        o.deadline = uint32(deadline);
        emit OrderDisputed(orderId, reason, evidenceHash, deadline);
        _collect(l.token, msg.sender, l.disputeBond);
    }

    /// @notice Proves that the delivered key is not what the merchant committed: reveals the
    /// per-order secret, decrypts on chain, and refunds the buyer with the unit's bond as
    /// compensation if the plaintext or its fingerprint differs from the commitment. Reverts with
    /// EscrowDeliveryMatchesCommitment when the delivery is correct. A proof outranks any vote:
    /// it also ends an arbitration (the court's later ruling is refused). Anyone may submit (the
    /// money goes to the buyer). Emits MisdeliveryProven and OrderRefunded.
    function proveMisdelivery(uint256 orderId, uint256 buyerSecret, DeliveryRecord calldata record)
        external
    {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING | ARBITRATING);
        if (o.status == OrderStatus.Delivered) _requireBeforeDeadline(orderId, o);
        if (
            buyerSecret == 0 || buyerSecret >= DeliveryCrypto.N
                || uint160(DeliveryCrypto.mulAddress(buyerSecret, DeliveryCrypto.GX, DeliveryCrypto.GY_PARITY))
                    != orderId
        ) revert EscrowInvalidOrderKey(orderId);
        Listing storage l = _listings[_listingIdOf(o)];
        _requireCurrentRecord(orderId, o, l.merchant, record);
        uint8 fault = DeliveryCrypto.findFault(buyerSecret, orderId, record, uint8(l.keyAlphabet));
        if (fault == DeliveryCrypto.FAULT_NONE) revert EscrowDeliveryMatchesCommitment(orderId);
        emit MisdeliveryProven(orderId, record.fingerprint, fault);
        _refundBuyer(orderId, o, RefundCause.Misdelivery, true);
    }

    /// @notice Proves that the order's current delivery was displaced from the fingerprint
    /// registry by an older batch's delivery of the same key (the key was sold twice, and the
    /// older commitment wins): refunds the buyer with the unit's bond as compensation, in the
    /// states and window where a misdelivery proof is accepted. `record` is the order's current
    /// delivery (as in its KeyDelivered event). Anyone may submit (the money goes to the buyer).
    /// Emits DuplicateProven and OrderRefunded.
    function proveDuplicate(uint256 orderId, DeliveryRecord calldata record) external {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING | ARBITRATING);
        if (o.status == OrderStatus.Delivered) _requireBeforeDeadline(orderId, o);
        address merchant = _listings[_listingIdOf(o)].merchant;
        if (!_displaced[_entryOf(orderId, o.deliveries - 1, merchant, record)]) revert EscrowNotDisplaced(orderId);
        emit DuplicateProven(orderId, record.fingerprint);
        _refundBuyer(orderId, o, RefundCause.Duplicate, true);
    }

    // ------------------------------------------------------------------ verifier (L1, appealable)

    /// @notice Records the listing verifier's signed verdict that the disputed key is invalid or
    /// already redeemed at the issuer; the buyer is refunded after the appeal window unless the
    /// merchant replaces the key or contests. Only within the merchant's response window (after
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
    ) external {
        Order storage o = _loadOrder(orderId, DISPUTED);
        _requireBeforeDeadline(orderId, o);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listings[listingId];
        address verifier = l.verifier;
        if (verifier == address(0)) revert EscrowNoVerifier(listingId);
        if (verdict != VERDICT_INVALID && verdict != VERDICT_REDEEMED) revert EscrowUnknownVerdict(verdict);
        if (block.timestamp > deadline) revert EscrowAttestationExpired(deadline);
        _requireCurrentRecord(orderId, o, l.merchant, record);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(KEY_VERDICT_TYPEHASH, orderId, o.deliveries - 1, record.fingerprint, verdict, deadline)
            )
        );
        if (!SignatureChecker.isValidSignatureNow(verifier, digest, signature)) {
            revert EscrowInvalidAttestation(orderId, verifier);
        }
        uint256 appealDeadline = block.timestamp + l.appealWindow;
        if (appealDeadline < o.deadline) appealDeadline = o.deadline;
        o.status = OrderStatus.VerifierRefundPending;
        o.deadline = uint32(appealDeadline);
        emit VerifierAttested(orderId, verifier, verdict, appealDeadline);
    }

    /// @notice After the appeal window of a verifier verdict, anyone refunds the buyer (dispute
    /// bond included). Emits OrderRefunded.
    function executeVerifierRefund(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, VERIFIER_PENDING);
        _requireAfterDeadline(orderId, o);
        _refundBuyer(orderId, o, RefundCause.VerifierAttested, false);
    }

    /// @notice The EIP-712 digest a verifier signs for `submitVerdict`.
    function verdictDigest(uint256 orderId, uint256 deliveryNo, bytes32 fingerprint, uint8 verdict, uint64 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(KEY_VERDICT_TYPEHASH, orderId, deliveryNo, fingerprint, verdict, deadline))
        );
    }

    // ------------------------------------------------------------------ merchant answer (L2)

    /// @notice Answers a dispute (or a verifier verdict, within its appeal window) with a
    /// replacement unit from stock; the buyer's dispute bond is returned and a new confirm window
    /// opens. At most the listing's `maxReplacements` per order. Merchant only. Emits KeyDelivered.
    function replace(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external {
        Order storage o = _loadOrder(orderId, DISPUTED | VERIFIER_PENDING);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listings[listingId];
        if (msg.sender != l.merchant) revert EscrowNotMerchant(listingId, msg.sender);
        _requireBeforeDeadline(orderId, o);
        if (o.deliveries > l.maxReplacements) revert EscrowReplacementsExhausted(orderId, l.maxReplacements);
        if (l.stockAvailable == 0) revert EscrowOutOfStock(listingId);
        // The order keeps one unit's bond; the replacement's reserved bond goes back to the merchant.
        l.stockAvailable -= 1;
        _credit(l.token, l.merchant, l.bondPerUnit);
        _credit(l.token, o.buyer, l.disputeBond);
        o.reason = DisputeReason.None;
        _deliver(orderId, o, listingId, l, record, proof);
    }

    /// @notice Contests a dispute or appeals a verifier verdict inside its window: opens a court
    /// case, paying the arbitration fee in ETH (any excess is credited back). Merchant only.
    /// Emits ArbitrationRequested.
    function contest(uint256 orderId, bytes32 evidenceHash) external payable nonReentrant {
        Order storage o = _loadOrder(orderId, DISPUTED | VERIFIER_PENDING);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listings[listingId];
        if (msg.sender != l.merchant) revert EscrowNotMerchant(listingId, msg.sender);
        _requireBeforeDeadline(orderId, o);
        IArbitrator court = arbitrator;
        if (address(court) == address(0)) revert EscrowNoArbitrator();
        bytes memory parties = abi.encode(o.buyer, l.merchant);
        uint256 cost = court.arbitrationCost(parties);
        if (msg.value < cost) revert EscrowArbitrationFee(cost, msg.value);

        uint256 timeoutAt = block.timestamp + ARBITRATION_TIMEOUT;
        o.status = OrderStatus.Arbitrating;
        o.deadline = uint32(timeoutAt);
        _credit(address(0), msg.sender, msg.value - cost);
        // The court assigns the id, so the case is recorded after the call (guarded by nonReentrant).
        uint256 disputeId = court.createDispute{value: cost}(Rulings.CHOICES, parties);
        cases[orderId] = Case(court, disputeId);
        orderOfDispute[address(court)][disputeId] = orderId;
        emit ArbitrationRequested(orderId, address(court), disputeId, msg.sender, evidenceHash, timeoutAt);
    }

    // ------------------------------------------------------------------ court (L3)

    /// @notice Executes the court's final ruling: 1 refunds the buyer, 2 pays the merchant (who
    /// also receives the buyer's dispute bond), 0 splits the price. Only the case's arbitrator.
    /// Emits Ruling and OrderRefunded / OrderCompleted / OrderSplit.
    function rule(uint256 disputeId, uint256 ruling) external override {
        uint256 orderId = orderOfDispute[msg.sender][disputeId];
        if (orderId == 0) revert EscrowUnknownDispute(msg.sender, disputeId);
        if (ruling > Rulings.CHOICES) revert EscrowInvalidRuling(ruling);
        Order storage o = _loadOrder(orderId, ARBITRATING);
        emit Ruling(msg.sender, disputeId, ruling);
        if (ruling == Rulings.REFUND_BUYER) {
            _refundBuyer(orderId, o, RefundCause.Ruling, false);
        } else if (ruling == Rulings.PAY_MERCHANT) {
            _payMerchant(orderId, o, CompletionCause.Ruling, _listings[_listingIdOf(o)].merchant);
        } else {
            _split(orderId, o);
        }
    }

    /// @notice When the court has not ruled within ARBITRATION_TIMEOUT, anyone splits the order so
    /// no money waits forever. Emits OrderSplit.
    function resolveStalledArbitration(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, ARBITRATING);
        _requireAfterDeadline(orderId, o);
        _split(orderId, o);
    }

    // ------------------------------------------------------------------ deadlines (L1)

    /// @notice After the response window passed without the merchant's answer, anyone refunds the
    /// buyer: price, dispute bond, and the unit's bond as compensation. Emits OrderRefunded.
    function refundUnanswered(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, DISPUTED);
        _requireAfterDeadline(orderId, o);
        _refundBuyer(orderId, o, RefundCause.MerchantSilent, true);
    }

    /// @dev The record must be the order's current delivery, exactly as registered at delivery
    /// (and still holding its key: a displaced delivery is proven with proveDuplicate).
    function _requireCurrentRecord(uint256 orderId, Order storage o, address merchant, DeliveryRecord calldata record)
        private
        view
    {
        if (_registry[record.fingerprint] != _entryOf(orderId, o.deliveries - 1, merchant, record)) {
            revert EscrowRecordMismatch(orderId);
        }
    }

    /// @notice The EIP-712 domain separator (for verifiers' signing tools).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
