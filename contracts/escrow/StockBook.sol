// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {DeliveryCrypto} from "../libraries/DeliveryCrypto.sol";
import {Listing, ListingTerms, KeyAlphabet, Batch, PricePoint, DeliveryRecord} from "../types/EscrowTypes.sol";

/// @notice Listings, bonded stock batches (Merkle roots over committed keys), the unit-used
/// bitmap and the global fingerprint registry that refuses any key delivered before.
///
/// Registry precedence (docs/protocol.md, "Fingerprint registry"): when two batches hold the same
/// key, the one committed first wins, whatever the order of delivery. A younger batch's delivery
/// of a registered key is refused; an older batch's delivery displaces the younger one, whose
/// buyer then proves "duplicate" (refund + the unit's bond). Nobody can race this: a root hides
/// its keys until they are delivered, so a fingerprint copied from a pending delivery can only
/// ever go into a batch younger than the one it came from.
///
/// Bond accounting: every unit counted in `stockAvailable` has `bondPerUnit` locked; `pay` moves
/// one unit's bond from the listing to the order, and the order's end releases it to the merchant
/// or, on a proven fault, to the buyer. So the bonds held for a listing always equal
/// (stockAvailable + open orders) × bondPerUnit.
///
/// The storage here is this layer's own: the order and dispute layers read a listing or price
/// point through `_listing`/`_pricePointOf` and ask the registry through `_isCurrentDelivery`
/// and `_isDisplacedDelivery`.
abstract contract StockBook is EscrowBase {
    uint256 public constant MIN_DELIVERY_WINDOW = 1 minutes;
    uint256 public constant MAX_DELIVERY_WINDOW = 7 days;
    uint256 public constant MIN_CONFIRM_WINDOW = 10 minutes;
    uint256 public constant MAX_CONFIRM_WINDOW = 30 days;
    uint256 public constant MIN_RESPONSE_WINDOW = 10 minutes;
    uint256 public constant MAX_RESPONSE_WINDOW = 14 days;
    uint256 public constant MIN_APPEAL_WINDOW = 10 minutes;
    uint256 public constant MAX_APPEAL_WINDOW = 7 days;
    uint256 public constant MAX_REPLACEMENTS = 3;

    // Window ids reported by EscrowWindowOutOfRange.
    uint256 internal constant WINDOW_DELIVERY = 0;
    uint256 internal constant WINDOW_CONFIRM = 1;
    uint256 internal constant WINDOW_RESPONSE = 2;
    uint256 internal constant WINDOW_APPEAL = 3;

    /// The escrow's three counters share one slot: a merchant's first stock commit then pays
    /// for a warm, non-zero slot (the same gas as every later commit).
    struct Counters {
        uint64 listings; //    ids run from 1; 64-bit, so spam cannot exhaust them
        uint64 pricePoints; // listing creations and price changes; ids run from 1 (40-bit in orders)
        uint64 batches; //     a batch's `seq` is its position (from 1)
    }

    Counters private _counters;
    mapping(uint256 listingId => Listing) private _listings;
    /// Every price a listing ever had; an order settles at the version it paid.
    mapping(uint256 listingId => mapping(uint256 version => uint256 price)) private _priceHistory;
    /// What an order records: listing, price and version in one slot under a 40-bit id.
    mapping(uint256 pricePoint => PricePoint) private _pricePoints;
    /// Keyed by merchant first: a root copied into someone else's listing is a different batch.
    mapping(address merchant => mapping(bytes32 root => Batch)) private _batches;
    mapping(bytes32 root => mapping(uint256 word => uint256 bits)) private _usedUnits;
    /// fingerprint => registry entry of the delivery that holds it (DeliveryCrypto.registryEntry:
    /// its batch's seq and its record hash, which commits to the order and delivery number);
    /// zero = never delivered. One slot refuses every second delivery of the key, decides
    /// precedence, and anchors the record a misdelivery proof must reproduce.
    mapping(bytes32 fingerprint => bytes32 entry) private _registry;
    /// Registry entries displaced by an older batch's delivery of the same key: their orders'
    /// buyers may prove "duplicate". Written only when keys collide.
    mapping(bytes32 entry => bool) private _displaced;

    // ------------------------------------------------------------------ merchant actions

    /// @inheritdoc IFairkeyEscrow
    function createListing(ListingTerms calldata terms, KeyAlphabet keyAlphabet)
        external
        returns (uint256 listingId)
    {
        _requireNotPaused();
        _checkWindow(WINDOW_DELIVERY, terms.deliveryWindow, MIN_DELIVERY_WINDOW, MAX_DELIVERY_WINDOW);
        _checkWindow(WINDOW_CONFIRM, terms.confirmWindow, MIN_CONFIRM_WINDOW, MAX_CONFIRM_WINDOW);
        _checkWindow(WINDOW_RESPONSE, terms.responseWindow, MIN_RESPONSE_WINDOW, MAX_RESPONSE_WINDOW);
        _checkWindow(WINDOW_APPEAL, terms.appealWindow, MIN_APPEAL_WINDOW, MAX_APPEAL_WINDOW);
        if (terms.maxReplacements > MAX_REPLACEMENTS) {
            revert EscrowTooManyReplacements(terms.maxReplacements, MAX_REPLACEMENTS);
        }
        if (terms.price == 0) revert EscrowZeroPrice();

        listingId = uint256(_counters.listings) + 1;
        if (listingId > type(uint64).max) revert EscrowTooManyListings();
        _counters.listings = uint64(listingId);
        _listings[listingId] = Listing({
            merchant: msg.sender,
            confirmWindow: terms.confirmWindow,
            responseWindow: terms.responseWindow,
            appealWindow: terms.appealWindow,
            maxReplacements: terms.maxReplacements,
            feeBps: _currentFeeBps(),
            token: terms.token,
            bondPerUnit: terms.bondPerUnit,
            price: terms.price,
            priceVersion: 0,
            stockAvailable: 0,
            deliveryWindow: terms.deliveryWindow,
            active: true,
            pricePoint: _newPricePoint(listingId, terms.price, 0),
            keyAlphabet: keyAlphabet,
            verifier: terms.verifier,
            disputeBond: terms.disputeBond,
            descriptionHash: terms.descriptionHash
        });
        _priceHistory[listingId][0] = terms.price;
        emit ListingCreated(listingId, msg.sender, terms.token, terms, keyAlphabet);
    }

    /// @inheritdoc IFairkeyEscrow
    function setPrice(uint256 listingId, uint96 price) external {
        Listing storage l = _requireMerchant(listingId);
        if (price == 0) revert EscrowZeroPrice();
        uint256 version = uint256(l.priceVersion) + 1;
        if (version > type(uint16).max) revert EscrowPriceHistoryFull(listingId);
        l.price = price;
        l.priceVersion = uint16(version);
        l.pricePoint = _newPricePoint(listingId, price, version);
        _priceHistory[listingId][version] = price;
        emit ListingPriceChanged(listingId, price);
    }

    /// @inheritdoc IFairkeyEscrow
    function setActive(uint256 listingId, bool active) external {
        _requireMerchant(listingId);
        _listings[listingId].active = active;
        emit ListingActiveChanged(listingId, active);
    }

    /// @inheritdoc IFairkeyEscrow
    function commitStock(uint256 listingId, bytes32 root, uint32 count, bytes32 supplier)
        external
        payable
        nonReentrant
    {
        _requireNotPaused();
        Listing storage l = _requireMerchant(listingId);
        if (count == 0) revert EscrowEmptyBatch();
        mapping(bytes32 => Batch) storage mine = _batches[msg.sender];
        if (mine[root].count != 0) revert EscrowBatchExists(root);
        uint256 available = uint256(l.stockAvailable) + count;
        if (available > type(uint32).max) revert EscrowStockOverflow(listingId);

        uint256 bond = uint256(count) * l.bondPerUnit;
        uint256 seq = uint256(_counters.batches) + 1;
        _counters.batches = uint64(seq);
        mine[root] = Batch({listingId: uint64(listingId), count: count, used: 0, revoked: 0, seq: uint64(seq)});
        l.stockAvailable = uint32(available);
        emit StockCommitted(listingId, root, count, bond, supplier);
        _collect(l.token, msg.sender, bond);
    }

    /// @inheritdoc IFairkeyEscrow
    function revokeBatch(uint256 listingId, bytes32 root) external {
        Batch storage b = _batches[msg.sender][root];
        if (b.count == 0 || b.listingId != listingId) {
            // Not a batch of the caller's under this listing: tell a stranger why.
            address merchant = _listings[listingId].merchant;
            if (merchant != address(0) && merchant != msg.sender) revert EscrowNotMerchant(listingId, msg.sender);
            revert EscrowUnknownBatch(root);
        }
        Listing storage l = _listings[listingId];

        uint256 unsold = b.count - b.used - b.revoked;
        uint256 released = unsold < l.stockAvailable ? unsold : l.stockAvailable;
        if (released == 0) revert EscrowNothingToRevoke(root);
        b.revoked += uint32(released);
        l.stockAvailable -= uint32(released);
        uint256 bond = released * l.bondPerUnit;
        _credit(l.token, msg.sender, bond);
        emit StockRevoked(b.listingId, root, released, bond);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IFairkeyEscrow
    function listingCount() external view returns (uint256) {
        return _counters.listings;
    }

    /// @inheritdoc IFairkeyEscrow
    function batchCount() external view returns (uint256) {
        return _counters.batches;
    }

    /// @inheritdoc IFairkeyEscrow
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @inheritdoc IFairkeyEscrow
    function batch(address merchant, bytes32 root) external view returns (Batch memory) {
        return _batches[merchant][root];
    }

    /// @inheritdoc IFairkeyEscrow
    function pricePoint(uint256 id) external view returns (PricePoint memory) {
        return _pricePoints[id];
    }

    /// @inheritdoc IFairkeyEscrow
    function isDisplaced(bytes32 entry) external view returns (bool) {
        return _displaced[entry];
    }

    /// @inheritdoc IFairkeyEscrow
    function isUnitUsed(bytes32 root, uint256 index) external view returns (bool) {
        return _usedUnits[root][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc IFairkeyEscrow
    function deliveryOf(bytes32 fingerprint) external view returns (bytes32 entry) {
        return _registry[fingerprint];
    }

    /// @inheritdoc IFairkeyEscrow
    function priceAt(uint256 listingId, uint256 version) external view returns (uint256) {
        return _priceHistory[listingId][version];
    }

    // ------------------------------------------------------------------ internals

    /// @dev A listing as stored (merchant == address(0): no such listing).
    function _listing(uint256 listingId) internal view returns (Listing storage) {
        return _listings[listingId];
    }

    /// @dev The price point an order records (its listing, price and price version).
    function _pricePointOf(uint256 id) internal view returns (PricePoint storage) {
        return _pricePoints[id];
    }

    function _requireMerchant(uint256 listingId) internal view returns (Listing storage l) {
        l = _listings[listingId];
        if (l.merchant == address(0)) revert EscrowUnknownListing(listingId);
        if (l.merchant != msg.sender) revert EscrowNotMerchant(listingId, msg.sender);
    }

    /// @dev Checks that the record's unit is committed by `merchant` under `listingId`, unused,
    /// and carries a key that no older-or-equal batch delivered; then marks the unit used and
    /// registers the fingerprint (displacing a younger batch's delivery of it, if any). Returns
    /// the refusal (EscrowBase: an encoded custom error, empty = consumed); every check comes
    /// before the first write, so a refused unit changes nothing.
    function _consumeUnit(
        uint256 orderId,
        uint256 listingId,
        address merchant,
        uint256 deliveryNo,
        DeliveryRecord calldata r,
        bytes32[] calldata proof
    ) internal returns (bytes memory refusal) {
        Batch storage b = _batches[merchant][r.root];
        uint256 count = b.count;
        if (count == 0) return abi.encodeWithSelector(EscrowUnknownBatch.selector, r.root);
        if (b.used + b.revoked >= count) return abi.encodeWithSelector(EscrowBatchRevoked.selector, r.root);
        if (b.listingId != listingId) {
            return abi.encodeWithSelector(EscrowBatchOfOtherListing.selector, r.root, b.listingId, listingId);
        }
        if (r.unitIndex >= count) {
            return abi.encodeWithSelector(EscrowUnitOutOfRange.selector, r.root, r.unitIndex, count);
        }
        uint256 len = r.ciphertext.length;
        if (len < DeliveryCrypto.MIN_PLAINTEXT || len > DeliveryCrypto.MAX_PLAINTEXT) {
            return abi.encodeWithSelector(EscrowCiphertextLength.selector, len);
        }
        bytes32 leaf = DeliveryCrypto.leaf(merchant, r.unitIndex, r.commitment, r.fingerprint);
        if (!MerkleProof.verifyCalldata(proof, r.root, leaf)) {
            return abi.encodeWithSelector(EscrowInvalidProof.selector, r.root, r.unitIndex);
        }

        mapping(uint256 => uint256) storage used = _usedUnits[r.root];
        uint256 bit = 1 << (r.unitIndex & 0xff);
        uint256 word = used[r.unitIndex >> 8];
        if (word & bit != 0) return abi.encodeWithSelector(EscrowUnitAlreadyUsed.selector, r.root, r.unitIndex);
        uint256 seq = b.seq;
        bytes32 holder = _registry[r.fingerprint];
        if (holder != 0) {
            uint256 holderSeq = uint256(holder) >> 192;
            if (seq >= holderSeq) return abi.encodeWithSelector(EscrowKeyAlreadyDelivered.selector, r.fingerprint);
            _displaced[holder] = true; // the older commitment wins: the younger delivery's buyer may prove it
            emit KeyDisplaced(r.fingerprint, holder, orderId);
        }

        used[r.unitIndex >> 8] = word | bit;
        _registry[r.fingerprint] = DeliveryCrypto.registryEntry(seq, DeliveryCrypto.recordHash(orderId, deliveryNo, r));
        b.used += 1;
    }

    /// @dev Whether `r`, as delivery `deliveryNo` of `orderId` from `merchant`'s stock, is
    /// exactly as registered at delivery and still holds its key (the record a misdelivery proof
    /// or a verdict must reproduce).
    function _isCurrentDelivery(uint256 orderId, uint256 deliveryNo, address merchant, DeliveryRecord calldata r)
        internal
        view
        returns (bool)
    {
        return _registry[r.fingerprint] == _entryOf(orderId, deliveryNo, merchant, r);
    }

    /// @dev Whether `r`, as delivery `deliveryNo` of `orderId` from `merchant`'s stock, was
    /// displaced from the registry by an older batch's delivery of the same key.
    function _isDisplacedDelivery(uint256 orderId, uint256 deliveryNo, address merchant, DeliveryRecord calldata r)
        internal
        view
        returns (bool)
    {
        return _displaced[_entryOf(orderId, deliveryNo, merchant, r)];
    }

    /// @dev The registry entry the record would have as delivery `deliveryNo` of `orderId`.
    function _entryOf(uint256 orderId, uint256 deliveryNo, address merchant, DeliveryRecord calldata r)
        private
        view
        returns (bytes32)
    {
        return DeliveryCrypto.registryEntry(
            _batches[merchant][r.root].seq, DeliveryCrypto.recordHash(orderId, deliveryNo, r)
        );
    }

    function _newPricePoint(uint256 listingId, uint256 price, uint256 version) private returns (uint40 id) {
        uint256 next = uint256(_counters.pricePoints) + 1;
        if (next > type(uint40).max) revert EscrowTooManyPricePoints();
        _counters.pricePoints = uint64(next);
        id = uint40(next);
        _pricePoints[id] = PricePoint({listingId: uint64(listingId), price: uint96(price), version: uint16(version)});
    }

    function _checkWindow(uint256 window, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert EscrowWindowOutOfRange(window, value, min, max);
    }
}
