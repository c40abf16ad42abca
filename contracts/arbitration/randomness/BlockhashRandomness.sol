// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRandomness} from "../interfaces/IRandomness.sol";

/// @notice The default randomness: the hash of a block `DELAY` blocks after the request. The
/// ticket is that block's number, fixed by the request's own block, so the requester can choose
/// neither the block nor its hash. The EVM keeps only the last 256 block hashes: a ticket not
/// read within them expires and the consumer requests again.
/// Limits (docs/arbitration.md): the proposer of the target block can withhold it, giving up its
/// reward, to re-roll once (a one-bit bias per block it proposes); on L2s with a centralised
/// sequencer the sequencer chooses block hashes, so deploy a VRF source there instead
/// (any IRandomness works).
contract BlockhashRandomness is IRandomness {
    uint256 public constant DELAY = 2;
    uint256 public constant HISTORY = 256;

    /// @inheritdoc IRandomness
    function request() external view returns (uint256 ticket) {
        return block.number + DELAY;
    }

    /// @inheritdoc IRandomness
    function valueOf(uint256 ticket) external view returns (uint256 value, bool ready, bool expired) {
        if (block.number <= ticket) return (0, false, false);
        if (block.number - ticket > HISTORY) return (0, false, true);
        return (uint256(keccak256(abi.encode(blockhash(ticket), ticket))), true, false);
    }
}
