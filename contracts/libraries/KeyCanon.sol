// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The canonical form of a card key (docs/protocol.md, "Canonical keys"): one spelling
/// per code, so that the fingerprint registry cannot be dodged with an invisible character.
/// A key is canonical when it is valid shortest-form UTF-8, holds no code point of FORBIDDEN
/// (controls, format characters, odd spaces, default-ignorables, noncharacters), neither starts
/// nor ends with U+0020, and - for a PrintableAscii listing - is bytes 0x20..0x7E only.
/// fairkey/crypto/canonical.py holds the same table; tests compare the two.
library KeyCanon {
    uint8 internal constant ALPHABET_TEXT = 0;
    uint8 internal constant ALPHABET_PRINTABLE_ASCII = 1;

    /// Inclusive code point ranges, 6 bytes each: start (3 bytes) then end (3 bytes), ascending.
    bytes internal constant FORBIDDEN = hex"00000000001f00007f0000a00000ad0000ad00034f00034f00060000060500061c00061c0006dd0006dd00070f00070f0008900008910008e20008e200115f0011600016800016800017b40017b500180b00180f00200000200f00202800202f00205f00206f00300000300000316400316400d80000dfff00fdd000fdef00fe0000fe0f00feff00feff00ffa000ffa000fff000fffb0110bd0110bd0110cd0110cd01343001343801bca001bca301d17301d17a0e00000e0fff";
    uint256 internal constant RANGES = 31;

    /// @notice Whether plain[from:] is a canonical key under `alphabet`.
    function isCanonical(bytes memory plain, uint256 from, uint8 alphabet) internal pure returns (bool) {
        uint256 len = plain.length;
        if (from >= len || uint8(plain[from]) == 0x20 || uint8(plain[len - 1]) == 0x20) return false;
        bytes memory table = FORBIDDEN;
        uint256 i = from;
        while (i < len) {
            uint256 c = uint8(plain[i]);
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7F) return false;
                i += 1;
                continue;
            }
            if (alphabet == ALPHABET_PRINTABLE_ASCII) return false;
            (uint256 cp, uint256 n) = _decode(plain, i, len);
            if (n == 0 || _isForbidden(table, cp)) return false;
            i += n;
        }
        return true;
    }

    /// @dev The code point of the UTF-8 sequence at `i` and its length; n = 0 when the sequence
    /// is invalid, truncated or not in shortest form (surrogates are refused by the table).
    function _decode(bytes memory b, uint256 i, uint256 len) private pure returns (uint256 cp, uint256 n) {
        uint256 c = uint8(b[i]);
        if (c >= 0xC2 && c <= 0xDF) (cp, n) = (c & 0x1F, 2);
        else if (c >= 0xE0 && c <= 0xEF) (cp, n) = (c & 0x0F, 3);
        else if (c >= 0xF0 && c <= 0xF4) (cp, n) = (c & 0x07, 4);
        else return (0, 0);
        if (i + n > len) return (0, 0);
        for (uint256 k = 1; k < n; ++k) {
            uint256 cc = uint8(b[i + k]);
            if (cc & 0xC0 != 0x80) return (0, 0);
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return (0, 0);
    }

    /// @dev Plain meaning: cp is a plane-end noncharacter, or inside one of FORBIDDEN's ranges
    /// (binary search over the 6-byte entries).
    function _isForbidden(bytes memory table, uint256 cp) private pure returns (bool) {
        if (cp & 0xFFFE == 0xFFFE) return true;
        uint256 lo = 0;
        uint256 hi = RANGES;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            uint256 entry;
            assembly ("memory-safe") {
                entry := shr(208, mload(add(add(table, 32), mul(mid, 6))))
            }
            if (cp < entry >> 24) hi = mid;
            else if (cp > entry & 0xFFFFFF) lo = mid + 1;
            else return true;
        }
        return false;
    }
}
