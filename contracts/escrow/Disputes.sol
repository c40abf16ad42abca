// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {OrderBook} from "./OrderBook.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {IDeliveryFaults} from "../interfaces/IDeliveryFaults.sol";
import {DeliveryCrypto} from "../libraries/DeliveryCrypto.sol";
import {
    Listing,
    Order,
    OrderStatus,
    DisputeReason,
    CompletionCause,
    RefundCause,
    DeliveryRecord,
    Case,
    Rulings,
    Verdicts
} from "../types/EscrowTypes.sol";

/// @notice After-sales: the buyer's dispute, the proofs (misdelivery, duplicate), the listing
/// verifier's verdicts, the merchant's answers (replacement, contest) and the court glue.
/// Every outcome ends in one of OrderBook's three payouts.
/// Rule tiers: L1 automatic (deadlines, misdelivery proof, verifier attestation), L2 the
/// merchant's answer to a dispute (refund, replacement, contest), L3 the court.
/// The misdelivery decryption runs in a separate stateless contract (`deliveryFaults`, called
/// with STATICCALL): it is the largest and most rarely used code of the escrow.
abstract contract Disputes is OrderBook, EIP712 {
    /// @notice A court that never rules cannot hold money: after this, anyone splits the order.
    uint256 public constant ARBITRATION_TIMEOUT = 30 days;
    uint8 public constant VERDICT_INVALID = Verdicts.INVALID;
    uint8 public constant VERDICT_REDEEMED = Verdicts.REDEEMED;
    uint8 public constant VERDICT_VALID = Verdicts.VALID;
    bytes32 public constant KEY_VERDICT_TYPEHASH = Verdicts.KEY_VERDICT_TYPEHASH;

    /// @inheritdoc IFairkeyEscrow
    IDeliveryFaults public immutable deliveryFaults;

    /// @inheritdoc IFairkeyEscrow
    mapping(uint256 orderId => Case) public cases;
    /// @inheritdoc IFairkeyEscrow
    mapping(address arbitrator => mapping(uint256 disputeId => uint256 orderId)) public orderOfDispute;

    constructor(IDeliveryFaults faults_) EIP712("fairkey", "1") {
        deliveryFaults = faults_;
    }

    // ------------------------------------------------------------------ buyer

    /// @inheritdoc IFairkeyEscrow
    function dispute(uint256 orderId, DisputeReason reason, bytes32 evidenceHash)
        external
        payable
        nonReentrant
    {
        Order storage o = _loadOrder(orderId, DELIVERED);
        if (msg.sender != o.buyer) revert EscrowNotBuyer(orderId, msg.sender);
        if (_verdictStands(o)) revert EscrowVerdictStands(orderId);
        if (reason == DisputeReason.None) revert EscrowNoDisputeReason();
        _requireBeforeDeadline(orderId, o);
        Listing storage l = _listing(_listingIdOf(o));
        uint256 deadline = block.timestamp + l.responseWindow;
        o.status = OrderStatus.Disputed;
        o.reason = reason;
        o.deadline = uint32(deadline);
        emit OrderDisputed(orderId, reason, evidenceHash, deadline);
        _collect(l.token, msg.sender, l.disputeBond);
    }

    // ------------------------------------------------------------------ proofs (L1)

    /// @inheritdoc IFairkeyEscrow
    function proveMisdelivery(uint256 orderId, uint256 buyerSecret, DeliveryRecord calldata record)
        external
    {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING | ARBITRATING);
        if (o.status == OrderStatus.Delivered) _requireBeforeDeadline(orderId, o);
        Listing storage l = _listing(_listingIdOf(o));
        (bool isOrderSecret, uint8 fault) = _examine(buyerSecret, orderId, record, uint8(l.keyAlphabet));
        if (!isOrderSecret) revert EscrowInvalidOrderKey(orderId);
        _requireCurrentRecord(orderId, o, l.merchant, record);
        if (fault == DeliveryCrypto.FAULT_NONE) revert EscrowDeliveryMatchesCommitment(orderId);
        emit MisdeliveryProven(orderId, record.fingerprint, fault);
        _refundBuyer(orderId, o, RefundCause.Misdelivery, true);
    }

    /// @inheritdoc IFairkeyEscrow
    function proveDuplicate(uint256 orderId, DeliveryRecord calldata record) external {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING | ARBITRATING);
        if (o.status == OrderStatus.Delivered) _requireBeforeDeadline(orderId, o);
        address merchant = _listing(_listingIdOf(o)).merchant;
        if (!_isDisplacedDelivery(orderId, o.deliveries - 1, merchant, record)) revert EscrowNotDisplaced(orderId);
        emit DuplicateProven(orderId, record.fingerprint);
        _refundBuyer(orderId, o, RefundCause.Duplicate, true);
    }

    // ------------------------------------------------------------------ deadlines (L1)

    /// @inheritdoc IFairkeyEscrow
    function refundUnanswered(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, DISPUTED);
        _requireAfterDeadline(orderId, o);
        _refundBuyer(orderId, o, RefundCause.MerchantSilent, true);
    }

    // ------------------------------------------------------------------ verifier (L1, appealable)

    /// @inheritdoc IFairkeyEscrow
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
        Listing storage l = _listing(listingId);
        address verifier = l.verifier;
        if (verifier == address(0)) revert EscrowNoVerifier(listingId);
        if (verdict == 0 || verdict > Verdicts.VALID) revert EscrowUnknownVerdict(verdict);
        if (block.timestamp > deadline) revert EscrowAttestationExpired(deadline);
        _requireCurrentRecord(orderId, o, l.merchant, record);
        bytes32 digest = _verdictDigest(orderId, o.deliveries - 1, record.fingerprint, verdict, deadline);
        if (!SignatureChecker.isValidSignatureNow(verifier, digest, signature)) {
            revert EscrowInvalidAttestation(orderId, verifier);
        }
        // The appeal window (the merchant's for INVALID/REDEEMED, the buyer's for VALID) never
        // ends before the response window would have.
        uint256 appealDeadline = block.timestamp + l.appealWindow;
        if (appealDeadline < o.deadline) appealDeadline = o.deadline;
        // VALID: a working key is a delivered key. The order is Delivered again (o.reason kept, so
        // the bond stays held and no second dispute opens); the buyer may take it to the court.
        o.status = verdict == Verdicts.VALID ? OrderStatus.Delivered : OrderStatus.VerifierRefundPending;
        o.deadline = uint32(appealDeadline);
        emit VerifierAttested(orderId, verifier, verdict, appealDeadline);
    }

    /// @inheritdoc IFairkeyEscrow
    function executeVerifierRefund(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, VERIFIER_PENDING);
        _requireAfterDeadline(orderId, o);
        _refundBuyer(orderId, o, RefundCause.VerifierAttested, false);
    }

    /// @inheritdoc IFairkeyEscrow
    function verdictDigest(uint256 orderId, uint256 deliveryNo, bytes32 fingerprint, uint8 verdict, uint64 deadline)
        external
        view
        returns (bytes32)
    {
        return _verdictDigest(orderId, deliveryNo, fingerprint, verdict, deadline);
    }

    /// @inheritdoc IFairkeyEscrow
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ merchant answer (L2)

    /// @inheritdoc IFairkeyEscrow
    function replace(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external {
        Order storage o = _loadOrder(orderId, DISPUTED | VERIFIER_PENDING);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listing(listingId);
        if (msg.sender != l.merchant) revert EscrowNotMerchant(listingId, msg.sender);
        _requireBeforeDeadline(orderId, o);
        if (o.deliveries > l.maxReplacements) revert EscrowReplacementsExhausted(orderId, l.maxReplacements);
        if (l.stockAvailable == 0) revert EscrowOutOfStock(listingId, 0, 1);
        // The order keeps one unit's bond; the replacement's reserved bond goes back to the merchant.
        l.stockAvailable -= 1;
        _credit(l.token, l.merchant, l.bondPerUnit);
        _credit(l.token, o.buyer, l.disputeBond);
        o.reason = DisputeReason.None;
        _revertWith(_deliver(orderId, o, listingId, l, record, proof));
    }

    /// @inheritdoc IFairkeyEscrow
    function contest(uint256 orderId, bytes32 evidenceHash) external payable nonReentrant {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listing(listingId);
        if (o.status == OrderStatus.Delivered) {
            // Only a standing VALID verdict can be contested from Delivered, and only by the buyer.
            if (!_verdictStands(o)) revert EscrowUnexpectedStatus(orderId, OrderStatus.Delivered);
            if (msg.sender != o.buyer) revert EscrowNotBuyer(orderId, msg.sender);
        } else if (msg.sender != l.merchant) {
            revert EscrowNotMerchant(listingId, msg.sender);
        }
        _requireBeforeDeadline(orderId, o);
        IArbitrator court = _court();
        if (address(court) == address(0)) revert EscrowNoArbitrator();
        // The parties (never drawn as jurors) and who advances the fee (refunded if the court cannot rule).
        bytes memory parties = abi.encode(o.buyer, l.merchant, msg.sender);
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
    function rule(uint256 disputeId, uint256 ruling) external override(IArbitrable) {
        uint256 orderId = orderOfDispute[msg.sender][disputeId];
        if (orderId == 0) revert EscrowUnknownDispute(msg.sender, disputeId);
        if (ruling > Rulings.CHOICES) revert EscrowInvalidRuling(ruling);
        Order storage o = _loadOrder(orderId, ARBITRATING);
        emit Ruling(msg.sender, disputeId, ruling);
        if (ruling == Rulings.REFUND_BUYER) {
            _refundBuyer(orderId, o, RefundCause.Ruling, false);
        } else if (ruling == Rulings.PAY_MERCHANT) {
            _payMerchant(orderId, o, CompletionCause.Ruling, false);
        } else {
            _split(orderId, o);
        }
    }

    /// @inheritdoc IFairkeyEscrow
    function resolveStalledArbitration(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, ARBITRATING);
        _requireAfterDeadline(orderId, o);
        _split(orderId, o);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The record must be the order's current delivery, exactly as registered at delivery
    /// (and still holding its key: a displaced delivery is proven with proveDuplicate).
    function _requireCurrentRecord(uint256 orderId, Order storage o, address merchant, DeliveryRecord calldata record)
        private
        view
    {
        if (!_isCurrentDelivery(orderId, o.deliveries - 1, merchant, record)) revert EscrowRecordMismatch(orderId);
    }

    /// @dev deliveryFaults.examine(buyerSecret, orderId, record, alphabet), by STATICCALL. The
    /// record is forwarded as it arrived instead of being re-encoded (the encoder would cost
    /// ~200 bytes of escrow code): the call's head is (buyerSecret, orderId, offset 0x80,
    /// alphabet) and its tail is this call's calldata from the record on. The record is the last
    /// parameter of proveMisdelivery, so that tail is the record (already validated by
    /// Solidity's decoder; its inner offsets are relative to its start); DeliveryFaults decodes
    /// and validates it again. A revert in DeliveryFaults is bubbled up.
    function _examine(uint256 buyerSecret, uint256 orderId, DeliveryRecord calldata record, uint8 alphabet)
        private
        view
        returns (bool isOrderSecret, uint8 fault)
    {
        address faults = address(deliveryFaults);
        bytes4 selector = IDeliveryFaults.examine.selector;
        assembly ("memory-safe") {
            let input := mload(0x40) // scratch beyond the free memory pointer
            let tail := sub(calldatasize(), record)
            mstore(input, selector)
            mstore(add(input, 0x04), buyerSecret)
            mstore(add(input, 0x24), orderId)
            mstore(add(input, 0x44), 0x80)
            mstore(add(input, 0x64), alphabet)
            calldatacopy(add(input, 0x84), record, tail)
            if iszero(staticcall(gas(), faults, input, add(0x84, tail), 0, 0x40)) {
                returndatacopy(input, 0, returndatasize())
                revert(input, returndatasize())
            }
            isOrderSecret := mload(0)
            fault := mload(0x20)
            if or(lt(returndatasize(), 0x40), or(gt(isOrderSecret, 1), gt(fault, 0xff))) { revert(0, 0) }
        }
    }

    function _verdictDigest(uint256 orderId, uint256 deliveryNo, bytes32 fingerprint, uint8 verdict, uint64 deadline)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(Verdicts.KEY_VERDICT_TYPEHASH, orderId, deliveryNo, fingerprint, verdict, deadline))
        );
    }
}
