// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRandomness} from "../arbitration/interfaces/IRandomness.sol";

/// @notice Test-only randomness: every ticket is ready at once, its value derived from a seed the
/// test sets (so a draw is reproducible), unless the test marks tickets expired.
contract TestRandomness is IRandomness {
    uint256 public seed;
    uint256 public tickets;
    bool public expireAll;

    function setSeed(uint256 seed_) external {
        seed = seed_;
    }

    function setExpireAll(bool expire) external {
        expireAll = expire;
    }

    function request() external returns (uint256 ticket) {
        return ++tickets;
    }

    function valueOf(uint256 ticket) external view returns (uint256 value, bool ready, bool expired) {
        if (expireAll) return (0, false, true);
        return (uint256(keccak256(abi.encode(seed, ticket))), true, false);
    }
}
