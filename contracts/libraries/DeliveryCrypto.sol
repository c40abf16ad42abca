// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DeliveryRecord} from "../types/EscrowTypes.sol";
import {KeyCanon} from "./KeyCanon.sol";

/// @notice On-chain half of fairkey's delivery cryptography (docs/protocol.md): leaves of stock
/// trees, delivery record hashes, and the decryption that a misdelivery proof runs.
/// secp256k1 multiplication uses `ecrecover`: with hash 0, ecrecover(0, v, r, s) = r⁻¹·s·R, so
/// s = k·r mod n yields address(k·R) for ~3,000 gas.
library DeliveryCrypto {
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 internal constant GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;
    uint8 internal constant GY_PARITY = 0; // G.y is even

    uint256 internal constant SALT_BYTES = 32;
    uint256 internal constant MAX_KEY_BYTES = 256;
    uint256 internal constant MIN_PLAINTEXT = SALT_BYTES + 1;
    uint256 internal constant MAX_PLAINTEXT = SALT_BYTES + MAX_KEY_BYTES;

    /// "fairkey.fingerprint.v1": 22 bytes, left-aligned.
    bytes32 internal constant FINGERPRINT_DOMAIN = "fairkey.fingerprint.v1";
    uint256 internal constant FINGERPRINT_DOMAIN_BYTES = 22;

    /// Fault codes reported by `findFault` (0 = the delivery matches its commitment).
    uint8 internal constant FAULT_NONE = 0;
    uint8 internal constant FAULT_BAD_EPHEMERAL = 1; // the buyer cannot derive the key stream
    uint8 internal constant FAULT_BAD_LENGTH = 2; //    not salt || 1..256-byte key (deliver refuses these
    //                                                   already; kept so the proof stands on its own)
    uint8 internal constant FAULT_COMMITMENT = 3; //    keccak(plaintext) != committed c
    uint8 internal constant FAULT_FINGERPRINT = 4; //   fingerprint of the key part != committed f
    uint8 internal constant FAULT_NOT_TRIMMED = 5; //   the key starts or ends with whitespace: " KEY"
    //                                                   would dodge the registry entry of "KEY"
    uint8 internal constant FAULT_NOT_CANONICAL = 6; // an invisible/control character, invalid UTF-8,
    //                                                   or a byte outside the listing's alphabet

    /// @notice True when (x, y) is a point of secp256k1 (y² = x³ + 7 mod p).
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P || y >= P) return false;
        return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
    }

    /// @notice Ethereum address of the point (x, y).
    function pointAddress(uint256 x, uint256 y) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }

    /// @notice address(k·R) where R has x-coordinate `rx` and y parity `parity`; address(0) when R
    /// is not a valid point (or k·rx ≡ 0).
    function mulAddress(uint256 k, uint256 rx, uint8 parity) internal pure returns (address) {
        if (rx == 0 || rx >= N || parity > 1) return address(0);
        uint256 s = mulmod(k, rx, N);
        if (s == 0) return address(0);
        return ecrecover(bytes32(0), 27 + parity, bytes32(rx), bytes32(s));
    }

    /// @notice Whether `secret` is the per-order private key `b` of `orderId` = uint160(address(b·G)).
    function isOrderSecret(uint256 secret, uint256 orderId) internal pure returns (bool) {
        return secret != 0 && secret < N && uint160(mulAddress(secret, GX, GY_PARITY)) == orderId;
    }

    /// @notice Leaf `i` of a merchant's stock tree: keccak(keccak(abi.encode(merchant, i, c, f))).
    /// Binding the merchant means a root copied from the mempool proves nothing for anyone else.
    function leaf(address merchant, uint256 index, bytes32 commitment, bytes32 fingerprint)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(merchant, index, commitment, fingerprint))));
    }

    /// @notice The fingerprint registry's entry for a delivery: the delivering batch's sequence
    /// number in the top 64 bits (older batches take precedence), the top 192 bits of the
    /// record hash below (the anchor a proof or verdict must reproduce).
    function registryEntry(uint256 batchSeq, bytes32 recordHash_) internal pure returns (bytes32) {
        return bytes32((batchSeq << 192) | (uint256(recordHash_) >> 64));
    }

    /// @notice Hash of delivery number `deliveryNo` of `orderId` (docs/protocol.md).
    function recordHash(uint256 orderId, uint256 deliveryNo, DeliveryRecord calldata r)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                orderId,
                deliveryNo,
                r.root,
                r.unitIndex,
                r.commitment,
                r.fingerprint,
                r.ephemeralX,
                r.ephemeralParity,
                keccak256(r.ciphertext)
            )
        );
    }

    /// @notice Decrypts the delivery with the buyer's revealed per-order secret and reports what,
    /// if anything, differs from the merchant's commitment. Caller has checked the secret.
    function findFault(uint256 buyerSecret, uint256 orderId, DeliveryRecord calldata r, uint8 alphabet)
        internal
        pure
        returns (uint8)
    {
        address z = mulAddress(buyerSecret, uint256(r.ephemeralX), r.ephemeralParity);
        if (z == address(0)) return FAULT_BAD_EPHEMERAL;
        uint256 len = r.ciphertext.length;
        if (len < MIN_PLAINTEXT || len > MAX_PLAINTEXT) return FAULT_BAD_LENGTH;
        bytes memory plain = _xorKeystream(r.ciphertext, z, orderId);
        if (keccak256(plain) != r.commitment) return FAULT_COMMITMENT;
        if (_fingerprintOfKeyPart(plain) != r.fingerprint) return FAULT_FINGERPRINT;
        if (!_isTrimmed(plain)) return FAULT_NOT_TRIMMED;
        if (!KeyCanon.isCanonical(plain, SALT_BYTES, alphabet)) return FAULT_NOT_CANONICAL;
        return FAULT_NONE;
    }

    /// Plain meaning: for each 32-byte block j, plain[j] = cipher[j] xor
    /// keccak256(abi.encodePacked(z, orderId, j)); the result has the ciphertext's length.
    function _xorKeystream(bytes calldata cipher, address z, uint256 orderId)
        private
        pure
        returns (bytes memory plain)
    {
        uint256 len = cipher.length;
        plain = new bytes(len); // allocation is rounded up to whole words, so full-word writes fit
        assembly ("memory-safe") {
            let seed := mload(0x40) // 84 bytes of scratch: z (20) | orderId (32) | j (32)
            mstore(seed, shl(96, z))
            mstore(add(seed, 20), orderId)
            for { let j := 0 } lt(mul(j, 32), len) { j := add(j, 1) } {
                mstore(add(seed, 52), j)
                let offset := mul(j, 32)
                let word := calldataload(add(cipher.offset, offset))
                mstore(add(add(plain, 32), offset), xor(word, keccak256(seed, 84)))
            }
        }
    }

    /// Plain meaning: keccak256(abi.encodePacked("fairkey.fingerprint.v1", plain[32:])).
    /// Overwrites the salt (no longer needed) with the domain right-aligned against the key part,
    /// then hashes in place: bytes 10..31 become the domain, bytes 32.. are the key.
    function _fingerprintOfKeyPart(bytes memory plain) private pure returns (bytes32 f) {
        uint256 len = plain.length;
        bytes32 domain = FINGERPRINT_DOMAIN;
        assembly ("memory-safe") {
            let data := add(plain, 32)
            mstore(data, shr(mul(8, sub(32, FINGERPRINT_DOMAIN_BYTES)), domain))
            let start := add(data, sub(SALT_BYTES, FINGERPRINT_DOMAIN_BYTES))
            f := keccak256(start, add(FINGERPRINT_DOMAIN_BYTES, sub(len, SALT_BYTES)))
        }
    }

    /// @dev The key part (plain[32:]) neither starts nor ends with a whitespace character, as
    /// the SDK trims keys (Python's str.isspace()). Invalid UTF-8 counts as not whitespace.
    function _isTrimmed(bytes memory plain) private pure returns (bool) {
        uint256 len = plain.length;
        if (_isSpace(_codePointAt(plain, SALT_BYTES))) return false;
        uint256 last = len - 1; // step back over UTF-8 continuation bytes (10xxxxxx), at most 3
        while (last > SALT_BYTES && uint8(plain[last]) & 0xC0 == 0x80 && len - last < 4) last--;
        return !_isSpace(_codePointAt(plain, last));
    }

    /// @dev The code point of the UTF-8 sequence starting at `i`; type(uint256).max if invalid.
    function _codePointAt(bytes memory b, uint256 i) private pure returns (uint256) {
        uint256 c = uint8(b[i]);
        uint256 n = b.length;
        if (c < 0x80) return c;
        if (c & 0xE0 == 0xC0 && i + 1 < n) return ((c & 0x1F) << 6) | (uint8(b[i + 1]) & 0x3F);
        if (c & 0xF0 == 0xE0 && i + 2 < n) {
            return ((c & 0x0F) << 12) | ((uint256(uint8(b[i + 1])) & 0x3F) << 6) | (uint8(b[i + 2]) & 0x3F);
        }
        if (c & 0xF8 == 0xF0 && i + 3 < n) {
            return ((c & 0x07) << 18) | ((uint256(uint8(b[i + 1])) & 0x3F) << 12)
                | ((uint256(uint8(b[i + 2])) & 0x3F) << 6) | (uint8(b[i + 3]) & 0x3F);
        }
        return type(uint256).max;
    }

    /// @dev Python's str.isspace() code points: what `normalise_key` trims.
    function _isSpace(uint256 cp) private pure returns (bool) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0
            || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
            || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
