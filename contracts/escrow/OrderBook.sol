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
    Delivery,
    BuyerKey,
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
    /// States in which the buyer's dispute bond is held by the escrow (and Delivered under a
    /// standing VALID verdict, see `_verdictStands`).
    uint256 internal constant BOND_HELD = DISPUTED | VERIFIER_PENDING | ARBITRATING;

    mapping(uint256 orderId => Order) private _orders;

    /// @inheritdoc IFairkeyEscrow
    uint256 public constant MAX_BASKET = 100;

    // ------------------------------------------------------------------ buyer and merchant actions

    /// @inheritdoc IFairkeyEscrow
    function pay(uint256 listingId, uint256 maxPrice, uint256 buyerKeyX, uint256 buyerKeyY)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        (Listing storage l, uint256 price, uint256 deadline) = _reserve(listingId, maxPrice, 1);
        orderId = _openOrder(listingId, price, l.pricePoint, deadline, buyerKeyX, buyerKeyY);
        _collect(l.token, msg.sender, price);
    }

    /// @inheritdoc IFairkeyEscrow
    function payBasket(uint256 listingId, uint256 maxPrice, BuyerKey[] calldata keys)
        external
        payable
        nonReentrant
        returns (uint256[] memory orderIds)
    {
        uint256 n = keys.length;
        if (n == 0 || n > MAX_BASKET) revert EscrowBasketSize(n, MAX_BASKET);
        (Listing storage l, uint256 price, uint256 deadline) = _reserve(listingId, maxPrice, n);
        uint40 point = l.pricePoint;
        orderIds = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            orderIds[i] = _openOrder(listingId, price, point, deadline, keys[i].x, keys[i].y);
        }
        uint256 total = price * n;
        emit BasketPaid(orderIds[0], listingId, msg.sender, orderIds, total);
        _collect(l.token, msg.sender, total);
    }

    /// @inheritdoc IFairkeyEscrow
    function deliver(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof) external {
        _revertWith(_tryDeliver(orderId, record, proof));
    }

    /// @inheritdoc IFairkeyEscrow
    function deliverMany(Delivery[] calldata deliveries) external returns (uint256 delivered) {
        uint256 n = deliveries.length;
        if (n == 0) revert EscrowEmptyList();
        for (uint256 i; i < n; ++i) {
            Delivery calldata d = deliveries[i];
            if (_reported(d.orderId, _tryDeliver(d.orderId, d.record, d.proof))) ++delivered;
        }
    }

    /// @inheritdoc IFairkeyEscrow
    function confirm(uint256 orderId) external {
        _revertWith(_tryConfirm(orderId));
    }

    /// @inheritdoc IFairkeyEscrow
    function confirmMany(uint256[] calldata orderIds) external returns (uint256 confirmed) {
        uint256 n = orderIds.length;
        if (n == 0) revert EscrowEmptyList();
        for (uint256 i; i < n; ++i) {
            if (_reported(orderIds[i], _tryConfirm(orderIds[i]))) ++confirmed;
        }
    }

    /// @inheritdoc IFairkeyEscrow
    function settle(uint256 orderId) external {
        _revertWith(_trySettle(orderId));
    }

    /// @inheritdoc IFairkeyEscrow
    function settleMany(uint256[] calldata orderIds) external returns (uint256 settled) {
        uint256 n = orderIds.length;
        if (n == 0) revert EscrowEmptyList();
        for (uint256 i; i < n; ++i) {
            if (_reported(orderIds[i], _trySettle(orderIds[i]))) ++settled;
        }
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

    /// @dev The order, or the refusal (EscrowBase) if it does not exist or is in none of the
    /// `allowed` states (a bit set of OrderStatus).
    function _orderIn(uint256 orderId, uint256 allowed) internal view returns (Order storage o, bytes memory refusal) {
        o = _orders[orderId];
        OrderStatus status = o.status;
        if (status == OrderStatus.None) return (o, abi.encodeWithSelector(EscrowUnknownOrder.selector, orderId));
        if ((1 << uint8(status)) & allowed == 0) {
            return (o, abi.encodeWithSelector(EscrowUnexpectedStatus.selector, orderId, status));
        }
    }

    function _loadOrder(uint256 orderId, uint256 allowed) internal view returns (Order storage o) {
        bytes memory refusal;
        (o, refusal) = _orderIn(orderId, allowed);
        _revertWith(refusal);
    }

    function _beforeDeadline(uint256 orderId, Order storage o) internal view returns (bytes memory) {
        if (block.timestamp > o.deadline) {
            return abi.encodeWithSelector(EscrowDeadlinePassed.selector, orderId, o.deadline);
        }
        return "";
    }

    function _afterDeadline(uint256 orderId, Order storage o) internal view returns (bytes memory) {
        if (block.timestamp <= o.deadline) {
            return abi.encodeWithSelector(EscrowDeadlineNotReached.selector, orderId, o.deadline);
        }
        return "";
    }

    function _requireBeforeDeadline(uint256 orderId, Order storage o) internal view {
        _revertWith(_beforeDeadline(orderId, o));
    }

    function _requireAfterDeadline(uint256 orderId, Order storage o) internal view {
        _revertWith(_afterDeadline(orderId, o));
    }

    /// @dev Emits BatchItemRefused for a refused batch item; true if the item went through.
    function _reported(uint256 orderId, bytes memory refusal) private returns (bool) {
        if (refusal.length == 0) return true;
        emit BatchItemRefused(orderId, refusal);
        return false;
    }

    /// @dev Checks that `listingId` sells now at no more than `maxPrice` and has `n` bonded units,
    /// and reserves them (one per order about to open). Reverts: a basket is all or nothing.
    function _reserve(uint256 listingId, uint256 maxPrice, uint256 n)
        private
        returns (Listing storage l, uint256 price, uint256 deadline)
    {
        _requireNotPaused();
        l = _listing(listingId);
        if (!l.active) {
            if (l.merchant == address(0)) revert EscrowUnknownListing(listingId);
            revert EscrowListingInactive(listingId);
        }
        price = l.price;
        if (price > maxPrice) revert EscrowPriceAboveLimit(listingId, price, maxPrice);
        uint256 available = l.stockAvailable;
        if (available < n) revert EscrowOutOfStock(listingId, available, n);
        l.stockAvailable = uint32(available - n);
        deadline = block.timestamp + l.deliveryWindow;
    }

    /// @dev Opens one unit order for the buyer key (x, y): the order id is the key's address.
    function _openOrder(uint256 listingId, uint256 price, uint40 point, uint256 deadline, uint256 x, uint256 y)
        private
        returns (uint256 orderId)
    {
        if (!DeliveryCrypto.isOnCurve(x, y)) revert EscrowInvalidBuyerKey(x, y);
        orderId = uint160(DeliveryCrypto.pointAddress(x, y));
        Order storage o = _orders[orderId];
        if (o.status != OrderStatus.None) revert EscrowOrderExists(orderId);
        o.buyer = msg.sender;
        o.pricePoint = point;
        o.status = OrderStatus.Paid;
        o.deadline = uint32(deadline);
        emit OrderPaid(orderId, listingId, msg.sender, price, x, y, deadline);
    }

    /// @dev `deliver`'s rule: a paid order, the listing's merchant, before the delivery deadline.
    function _tryDeliver(uint256 orderId, DeliveryRecord calldata record, bytes32[] calldata proof)
        private
        returns (bytes memory refusal)
    {
        Order storage o;
        (o, refusal) = _orderIn(orderId, PAID);
        if (refusal.length != 0) return refusal;
        uint256 listingId = _listingIdOf(o);
        Listing storage l = _listing(listingId);
        if (msg.sender != l.merchant) return abi.encodeWithSelector(EscrowNotMerchant.selector, listingId, msg.sender);
        refusal = _beforeDeadline(orderId, o);
        if (refusal.length != 0) return refusal;
        return _deliver(orderId, o, listingId, l, record, proof);
    }

    /// @dev `confirm`'s rule: the buyer accepts a delivery (ending any dispute they opened; under a
    /// standing VALID verdict there is no dispute left to withdraw and the bond stays forfeit).
    function _tryConfirm(uint256 orderId) private returns (bytes memory refusal) {
        Order storage o;
        (o, refusal) = _orderIn(orderId, DELIVERED | DISPUTED | VERIFIER_PENDING);
        if (refusal.length != 0) return refusal;
        if (msg.sender != o.buyer) return abi.encodeWithSelector(EscrowNotBuyer.selector, orderId, msg.sender);
        bool withdrawingDispute = o.status != OrderStatus.Delivered;
        if (withdrawingDispute) emit DisputeWithdrawn(orderId);
        _payMerchant(orderId, o, CompletionCause.BuyerConfirmed, withdrawingDispute);
    }

    /// @dev `settle`'s rule: a delivery whose confirm window passed undisputed pays the merchant.
    function _trySettle(uint256 orderId) private returns (bytes memory refusal) {
        Order storage o;
        (o, refusal) = _orderIn(orderId, DELIVERED);
        if (refusal.length != 0) return refusal;
        refusal = _afterDeadline(orderId, o);
        if (refusal.length != 0) return refusal;
        _payMerchant(orderId, o, CompletionCause.ConfirmWindowPassed, false);
    }

    function _priceOf(Order storage o) internal view returns (uint256) {
        return _pricePointOf(o.pricePoint).price;
    }

    function _listingIdOf(Order storage o) internal view returns (uint256) {
        return _pricePointOf(o.pricePoint).listingId;
    }

    function _bondHeld(Order storage o) internal view returns (bool) {
        return (1 << uint8(o.status)) & BOND_HELD != 0 || _verdictStands(o);
    }

    /// @dev A delivery the listing's verifier found valid (submitVerdict VALID): back in Delivered
    /// with the dispute's reason kept, the buyer's dispute bond held until the order ends.
    function _verdictStands(Order storage o) internal view returns (bool) {
        return o.status == OrderStatus.Delivered && o.reason != DisputeReason.None;
    }

    /// @dev Consumes the unit, records the delivery and opens the confirm window; or returns the
    /// unit's refusal, having changed nothing.
    function _deliver(
        uint256 orderId,
        Order storage o,
        uint256 listingId,
        Listing storage l,
        DeliveryRecord calldata r,
        bytes32[] calldata proof
    ) internal returns (bytes memory refusal) {
        uint256 deliveryNo = o.deliveries;
        refusal = _consumeUnit(orderId, listingId, l.merchant, deliveryNo, r, proof);
        if (refusal.length != 0) return refusal;
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
    /// dispute bond back to the buyer if `buyerWithdraws` (they ended their own dispute), else to
    /// the merchant (a ruling or a standing verifier verdict found the claim false).
    function _payMerchant(uint256 orderId, Order storage o, CompletionCause cause, bool buyerWithdraws) internal {
        bool bondHeld = _bondHeld(o);
        o.status = OrderStatus.Completed;
        Listing storage l = _listing(_listingIdOf(o));
        address token = l.token;
        uint256 price = _priceOf(o);
        uint256 fee = price * l.feeBps / 10_000;
        _credit(token, l.merchant, price - fee + l.bondPerUnit);
        _credit(token, _treasury(), fee);
        if (bondHeld) _credit(token, buyerWithdraws ? o.buyer : l.merchant, l.disputeBond);
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
