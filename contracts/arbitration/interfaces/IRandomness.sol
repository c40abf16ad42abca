// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Where the court's drawing randomness comes from (docs/arbitration.md, "Randomness").
/// A consumer asks for a ticket when it needs randomness later, and reads the ticket's value once
/// it is ready. A source must not let the requester choose or predict the value at request time.
interface IRandomness {
    /// @notice Requests randomness; returns the ticket to read it with. The source fixes what
    /// the value will be derived from (e.g. a future block): the caller cannot choose it.
    function request() external returns (uint256 ticket);

    /// @notice The ticket's random value once ready (`ready`), or that it can never become ready
    /// (`expired`: the consumer requests a new ticket). Never both.
    function valueOf(uint256 ticket) external view returns (uint256 value, bool ready, bool expired);
}
