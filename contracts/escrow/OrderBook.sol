// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StockBook} from "./StockBook.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {DeliveryCrypto} from "../libraries/DeliveryCrypto.sol";
import {
    Listing,
    Order,
    OrderStatus,
    DisputeReason,
    CompletionCause,
    RefundCause,
    DeliveryRecord,
    OrderView,
    PricePoint
} from "../types/EscrowTypes.sol";

/// @notice Orders from payment to settlement, and the three ways money leaves an order
/// (`_payMerchant`, `_refundBuyer`, `_split`): every rule ends in exactly one of them.
/// Later layers reach an order only through `_loadOrder`, which validates its state.
abstract contract OrderBook is StockBook {
    // Status bits for `_loadOrder` (one place validates every state transition).
    uint256 internal constant PAID = 1 << uint8(OrderStatus.Paid);
    uint256 internal constant DELIVERED = 1 << uint8(OrderStatus.Delivered);
    uint256 internal constant DISPUTED = 1 << uint8(OrderStatus.Disputed);
    uint256 internal constant VERIFIER_PENDING = 1 << uint8(OrderStatus.VerifierRefundPending);
    uint256 internal constant ARBITRATING = 1 << uint8(OrderStatus.Arbitrating);
    /// States in which the buyer's dispute bond is held by the escrow.
    uint256 internal constant BOND_HELD = DISPUTED | VERIFIER_PENDING | ARBITRATING;

    mapping(uint256 orderId => Order) private _orders;

    // ------------------------------------------------------------------ buyer and merchant actions

    /// @inheritdoc IFairkeyEscrow
    function pay(uint256 listingId, uint256 maxPrice, uint256 buyerKeyX, uint256 buyerKeyY)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        _requireNotPaused();
        Listing storage l = _listing(listingId);
        if (!l.active) {
            if (l.merchant == address(0)) revert EscrowUnknownListing(listingId);
            revert EscrowListingInactive(listingId);
        }
        uint96 price = l.price;
        if (price > maxPrice) revert EscrowPriceAboveLimit(listingId, price, maxPrice);
        if (l.stockAvailable == 0) revert EscrowOutOfStock(listingId);
        if (!DeliveryCrypto.isOnCurve(buyerKeyX, buyerKeyY)) revert EscrowInvalidBuyerKey(buyerKeyX, buyerKeyY);

        orderId = uint160(DeliveryCrypto.pointAddress(buyerKeyX, buyerKeyY));
        Order storage o = _orders[orderId];
        if (o.status != OrderStatus.None) revert EscrowOrderExists(orderId);

        uint256 deadline = block.timestamp + l.deliveryWindow;
        l.stockAvailable -= 1;
        o.buyer = msg.sender;
        o.pricePoint = l.pricePoint;
        o.status = OrderStatus.Paid;
        o.deadline = uint32(deadline);
        emit OrderPaid(orderId, listingId, msg.sender, price, buyerKeyX, buyerKeyY, deadline);
        _collect(l.token, msg.sender, price);
    }

    /// @inheritdoc IFairkeyEscrow
    function deliver(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external {
        Order storage o = _loadOrder(orderId, PAID);
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listing(listingId);
        if (msg.sender != l.merchant) revert EscrowNotMerchant(listingId, msg.sender);
        _requireBeforeDeadline(orderId, o);
        _deliver(orderId, o, listingId, l, record, proof);
    }

    /// @inheritdoc IFairkeyEscrow
    function confirm(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING);
        if (msg.sender != o.buyer) revert EscrowNotBuyer(orderId, msg.sender);
        bool withdrawingDispute = _bondHeld(o);
        if (withdrawingDispute) emit DisputeWithdrawn(orderId);
        _payMerchant(orderId, o, CompletionCause.BuyerConfirmed, withdrawingDispute ? o.buyer : address(0));
    }

    /// @inheritdoc IFairkeyEscrow
    function settle(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, DELIVERED);
        _requireAfterDeadline(orderId, o);
        _payMerchant(orderId, o, CompletionCause.ConfirmWindowPassed, address(0));
    }

    /// @inheritdoc IFairkeyEscrow
    function refundUndelivered(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, PAID);
        _requireAfterDeadline(orderId, o);
        _refundBuyer(orderId, o, RefundCause.NotDelivered, true);
    }

    /// @inheritdoc IFairkeyEscrow
    function refund(uint256 orderId) external {
        Order storage o = _loadOrder(orderId, PAID | DELIVERED | DISPUTED | VERIFIER_PENDING);
        uint256 listingId = _listingIdOf(o);
        if (msg.sender != _listing(listingId).merchant) revert EscrowNotMerchant(listingId, msg.sender);
        OrderStatus status = o.status;
        if (block.timestamp > o.deadline) {
            if (status == OrderStatus.Paid) return _refundBuyer(orderId, o, RefundCause.NotDelivered, true);
            if (status == OrderStatus.Disputed) {
                return _refundBuyer(orderId, o, RefundCause.MerchantSilent, true);
            }
        }
        bool provable = status == OrderStatus.Delivered
            || (status == OrderStatus.Disputed
                && (o.reason == DisputeReason.WrongContent || o.reason == DisputeReason.Duplicate));
        _refundBuyer(orderId, o, RefundCause.MerchantRefunded, provable);
    }

    /// @inheritdoc IFairkeyEscrow
    function order(uint256 orderId) external view returns (OrderView memory) {
        Order storage o = _orders[orderId];
        PricePoint storage p = _pricePointOf(o.pricePoint);
        return OrderView({
            buyer: o.buyer,
            listingId: p.listingId,
            status: o.status,
            deadline: o.deadline,
            deliveries: o.deliveries,
            reason: o.reason,
            priceVersion: p.version
        });
    }

    // ------------------------------------------------------------------ internals

    function _loadOrder(uint256 orderId, uint256 allowed) internal view returns (Order storage o) {
        o = _orders[orderId];
        OrderStatus status = o.status;
        if (status == OrderStatus.None) revert EscrowUnknownOrder(orderId);
        if ((1 << uint8(status)) & allowed == 0) revert EscrowUnexpectedStatus(orderId, status);
    }

    function _requireBeforeDeadline(uint256 orderId, Order storage o) internal view {
        if (block.timestamp > o.deadline) revert EscrowDeadlinePassed(orderId, o.deadline);
    }

    function _requireAfterDeadline(uint256 orderId, Order storage o) internal view {
        if (block.timestamp <= o.deadline) revert EscrowDeadlineNotReached(orderId, o.deadline);
    }

    function _priceOf(Order storage o) internal view returns (uint256) {
        return _pricePointOf(o.pricePoint).price;
    }

    function _listingIdOf(Order storage o) internal view returns (uint256) {
        return _pricePointOf(o.pricePoint).listingId;
    }

    function _bondHeld(Order storage o) internal view returns (bool) {
        return (1 << uint8(o.status)) & BOND_HELD != 0;
    }

    /// @dev Consumes the unit, records the delivery and opens the confirm window.
    function _deliver(
        uint256 orderId,
        Order storage o,
        uint256 listingId,
        Listing storage l,
        DeliveryRecord calldata r,
        bytes32[] calldata proof
    ) internal {
        uint256 deliveryNo = o.deliveries;
        _consumeUnit(orderId, listingId, l.merchant, deliveryNo, r, proof);
        uint256 deadline = block.timestamp + l.confirmWindow;
        o.status = OrderStatus.Delivered;
        o.deadline = uint32(deadline);
        o.deliveries = uint8(deliveryNo + 1);
        emit KeyDelivered(
            orderId,
            r.root,
            r.fingerprint,
            r.unitIndex,
            deliveryNo,
            r.commitment,
            r.ephemeralX,
            r.ephemeralParity,
            r.ciphertext,
            deadline
        );
    }

    /// @dev Price minus fee, plus the unit's bond, to the merchant; the fee to the treasury; a held
    /// dispute bond to `disputeBondTo` (address(0) when none is held).
    function _payMerchant(uint256 orderId, Order storage o, CompletionCause cause, address disputeBondTo)
        internal
    {
        o.status = OrderStatus.Completed;
        Listing storage l = _listing(_listingIdOf(o));
        address token = l.token;
        uint256 price = _priceOf(o);
        uint256 fee = price * l.feeBps / 10_000;
        _credit(token, l.merchant, price - fee + l.bondPerUnit);
        _credit(token, _treasury(), fee);
        if (disputeBondTo != address(0)) _credit(token, disputeBondTo, l.disputeBond);
        emit OrderCompleted(orderId, cause, price - fee, fee);
    }

    /// @dev The price (and any held dispute bond) back to the buyer. On a proven fault the unit's
    /// bond compensates the buyer; otherwise it returns to the merchant, or to sale if the unit
    /// was never delivered.
    function _refundBuyer(uint256 orderId, Order storage o, RefundCause cause, bool fault) internal {
        bool bondHeld = _bondHeld(o);
        bool delivered = o.deliveries != 0;
        o.status = OrderStatus.Refunded;
        Listing storage l = _listing(_listingIdOf(o));
        address token = l.token;
        uint256 compensation;
        if (fault) {
            compensation = l.bondPerUnit;
        } else if (!delivered && l.stockAvailable < type(uint32).max) {
            l.stockAvailable += 1; // the reserved unit was never used: back on sale, still bonded
        } else {
            _credit(token, l.merchant, l.bondPerUnit);
        }
        uint256 toBuyer = _priceOf(o) + compensation + (bondHeld ? l.disputeBond : 0);
        _credit(token, o.buyer, toBuyer);
        emit OrderRefunded(orderId, cause, toBuyer, compensation);
    }

    /// @dev Half the price to each side (fee on the merchant's half); the unit's bond to the
    /// merchant; the buyer's dispute bond back to the buyer.
    function _split(uint256 orderId, Order storage o) internal {
        bool bondHeld = _bondHeld(o);
        o.status = OrderStatus.Split;
        Listing storage l = _listing(_listingIdOf(o));
        address token = l.token;
        uint256 price = _priceOf(o);
        uint256 buyerShare = price / 2;
        uint256 merchantShare = price - buyerShare;
        uint256 fee = merchantShare * l.feeBps / 10_000;
        uint256 toBuyer = buyerShare + (bondHeld ? l.disputeBond : 0);
        _credit(token, o.buyer, toBuyer);
        _credit(token, l.merchant, merchantShare - fee + l.bondPerUnit);
        _credit(token, _treasury(), fee);
        emit OrderSplit(orderId, toBuyer, merchantShare - fee, fee);
    }
}
