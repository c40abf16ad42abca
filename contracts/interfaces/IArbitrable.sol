// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A contract whose disputes an `IArbitrator` rules on.
interface IArbitrable {
    /// @notice Emitted when a ruling is received and executed.
    event Ruling(address indexed arbitrator, uint256 indexed disputeId, uint256 ruling);

    /// @notice Called by the arbitrator that owns `disputeId` to execute its final ruling.
    function rule(uint256 disputeId, uint256 ruling) external;
}
