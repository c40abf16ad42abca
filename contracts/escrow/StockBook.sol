// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {EscrowAdmin} from "./EscrowAdmin.sol";
import {Ledger} from "./Ledger.sol";
import {DeliveryCrypto} from "../libraries/DeliveryCrypto.sol";
import {Listing, ListingTerms, Batch, DeliveryRecord} from "../types/EscrowTypes.sol";

/// @notice Listings, bonded stock batches (Merkle roots over committed keys), the unit-used
/// bitmap and the global fingerprint registry that refuses any key delivered before.
///
/// Bond accounting: every unit counted in `stockAvailable` has `bondPerUnit` locked; `pay` moves
/// one unit's bond from the listing to the order, and the order's end releases it to the merchant
/// or, on a proven fault, to the buyer. So the bonds held for a listing always equal
/// (stockAvailable + open orders) × bondPerUnit.
abstract contract StockBook is EscrowAdmin, Ledger {
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

    /// @notice Number of listings created; ids run from 1.
    uint256 public listingCount;
    mapping(uint256 listingId => Listing) internal _listings;
    /// Every price a listing ever had; an order settles at the version it paid.
    mapping(uint256 listingId => mapping(uint256 version => uint256 price)) internal _priceHistory;
    mapping(bytes32 root => Batch) internal _batches;
    mapping(bytes32 root => mapping(uint256 word => uint256 bits)) private _usedUnits;
    /// fingerprint => hash of the delivery record that delivered it (it commits to the order and
    /// delivery number); zero = never delivered. One slot refuses every second delivery of the key
    /// and anchors the record a misdelivery proof must reproduce.
    mapping(bytes32 fingerprint => bytes32 recordHash) internal _registry;

    // ------------------------------------------------------------------ merchant actions

    /// @notice Opens a listing whose caller is the merchant. Terms other than price and the
    /// active flag are fixed for the listing's life. Emits ListingCreated.
    function createListing(ListingTerms calldata terms) external returns (uint256 listingId) {
        _requireNotPaused();
        _checkWindow(WINDOW_DELIVERY, terms.deliveryWindow, MIN_DELIVERY_WINDOW, MAX_DELIVERY_WINDOW);
        _checkWindow(WINDOW_CONFIRM, terms.confirmWindow, MIN_CONFIRM_WINDOW, MAX_CONFIRM_WINDOW);
        _checkWindow(WINDOW_RESPONSE, terms.responseWindow, MIN_RESPONSE_WINDOW, MAX_RESPONSE_WINDOW);
        _checkWindow(WINDOW_APPEAL, terms.appealWindow, MIN_APPEAL_WINDOW, MAX_APPEAL_WINDOW);
        if (terms.maxReplacements > MAX_REPLACEMENTS) {
            revert EscrowTooManyReplacements(terms.maxReplacements, MAX_REPLACEMENTS);
        }
        if (terms.price == 0) revert EscrowZeroPrice();

        listingId = ++listingCount;
        if (listingId > type(uint24).max) revert EscrowTooManyListings();
        _listings[listingId] = Listing({
            merchant: msg.sender,
            confirmWindow: terms.confirmWindow,
            responseWindow: terms.responseWindow,
            appealWindow: terms.appealWindow,
            maxReplacements: terms.maxReplacements,
            feeBps: _config.feeBps,
            token: terms.token,
            bondPerUnit: terms.bondPerUnit,
            price: terms.price,
            priceVersion: 0,
            stockAvailable: 0,
            deliveryWindow: terms.deliveryWindow,
            active: true,
            verifier: terms.verifier,
            disputeBond: terms.disputeBond,
            descriptionHash: terms.descriptionHash
        });
        _priceHistory[listingId][0] = terms.price;
        emit ListingCreated(listingId, msg.sender, terms.token, terms);
    }

    /// @notice Changes the price for future orders; open orders keep theirs (merchant).
    /// Emits ListingPriceChanged.
    function setPrice(uint256 listingId, uint96 price) external {
        Listing storage l = _requireMerchant(listingId);
        if (price == 0) revert EscrowZeroPrice();
        uint256 version = uint256(l.priceVersion) + 1;
        if (version > type(uint16).max) revert EscrowPriceHistoryFull(listingId);
        l.price = price;
        l.priceVersion = uint16(version);
        _priceHistory[listingId][version] = price;
        emit ListingPriceChanged(listingId, price);
    }

    /// @notice Opens or closes the listing to new orders (merchant). Emits ListingActiveChanged.
    function setActive(uint256 listingId, bool active) external {
        _requireMerchant(listingId);
        _listings[listingId].active = active;
        emit ListingActiveChanged(listingId, active);
    }

    /// @notice Commits a batch of `count` keys by its Merkle root and deposits
    /// `count × bondPerUnit` (ETH as msg.value, ERC-20 by allowance). Gas does not depend on
    /// `count`. `supplier` tags where the keys came from. Merchant only. Emits StockCommitted.
    function commitStock(uint256 listingId, bytes32 root, uint32 count, bytes32 supplier)
        external
        payable
        nonReentrant
    {
        _requireNotPaused();
        Listing storage l = _requireMerchant(listingId);
        if (count == 0) revert EscrowEmptyBatch();
        if (_batches[root].count != 0) revert EscrowBatchExists(root);
        uint256 available = uint256(l.stockAvailable) + count;
        if (available > type(uint32).max) revert EscrowStockOverflow(listingId);

        uint256 bond = uint256(count) * l.bondPerUnit;
        _batches[root] = Batch({listingId: uint32(listingId), count: count, used: 0, revoked: 0});
        l.stockAvailable = uint32(available);
        emit StockCommitted(listingId, root, count, bond, supplier);
        _collect(l.token, msg.sender, bond);
    }

    /// @notice Withdraws the batch's unsold units from sale and credits their bond back to the
    /// merchant, as far as no open order relies on them (paid orders keep a unit each); call again
    /// after those orders end to withdraw the rest. Merchant only. Emits StockRevoked.
    function revokeBatch(bytes32 root) external {
        Batch storage b = _batches[root];
        if (b.count == 0) revert EscrowUnknownBatch(root);
        Listing storage l = _requireMerchant(b.listingId);

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

    /// @notice A listing as stored.
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @notice A stock batch by its Merkle root.
    function batch(bytes32 root) external view returns (Batch memory) {
        return _batches[root];
    }

    /// @notice Whether unit `index` of batch `root` was delivered.
    function isUnitUsed(bytes32 root, uint256 index) external view returns (bool) {
        return _usedUnits[root][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Hash of the delivery record that delivered this key (by fingerprint); zero if the
    /// key was never delivered. The KeyDelivered event (fingerprint is indexed) names the order.
    function deliveryOf(bytes32 fingerprint) external view returns (bytes32 recordHash) {
        return _registry[fingerprint];
    }

    /// @notice The price that version `version` of a listing's price had.
    function priceAt(uint256 listingId, uint256 version) external view returns (uint256) {
        return _priceHistory[listingId][version];
    }

    // ------------------------------------------------------------------ internals

    function _requireMerchant(uint256 listingId) internal view returns (Listing storage l) {
        l = _listings[listingId];
        if (l.merchant == address(0)) revert EscrowUnknownListing(listingId);
        if (l.merchant != msg.sender) revert EscrowNotMerchant(listingId, msg.sender);
    }

    /// @dev Checks that the record's unit is committed under `listingId`, unused, and carries a
    /// key never delivered anywhere; then marks the unit used and registers the fingerprint with
    /// the record hash (the anchor a misdelivery proof must reproduce).
    function _consumeUnit(
        uint256 orderId,
        uint256 listingId,
        uint256 deliveryNo,
        DeliveryRecord calldata r,
        bytes32[] calldata proof
    ) internal {
        Batch storage b = _batches[r.root];
        uint256 count = b.count;
        if (count == 0) revert EscrowUnknownBatch(r.root);
        if (b.used + b.revoked >= count) revert EscrowBatchRevoked(r.root);
        if (b.listingId != listingId) revert EscrowBatchOfOtherListing(r.root, b.listingId, listingId);
        if (r.unitIndex >= count) revert EscrowUnitOutOfRange(r.root, r.unitIndex, count);
        uint256 len = r.ciphertext.length;
        if (len < DeliveryCrypto.MIN_PLAINTEXT || len > DeliveryCrypto.MAX_PLAINTEXT) {
            revert EscrowCiphertextLength(len);
        }
        bytes32 leaf = DeliveryCrypto.leaf(r.unitIndex, r.commitment, r.fingerprint);
        if (!MerkleProof.verifyCalldata(proof, r.root, leaf)) revert EscrowInvalidProof(r.root, r.unitIndex);

        mapping(uint256 => uint256) storage used = _usedUnits[r.root];
        uint256 bit = 1 << (r.unitIndex & 0xff);
        uint256 word = used[r.unitIndex >> 8];
        if (word & bit != 0) revert EscrowUnitAlreadyUsed(r.root, r.unitIndex);
        if (_registry[r.fingerprint] != 0) revert EscrowKeyAlreadyDelivered(r.fingerprint);

        used[r.unitIndex >> 8] = word | bit;
        _registry[r.fingerprint] = DeliveryCrypto.recordHash(orderId, deliveryNo, r);
        b.used += 1;
    }

    function _checkWindow(uint256 window, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert EscrowWindowOutOfRange(window, value, min, max);
    }
}
