// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The court side of arbitration (ERC-792 style). The escrow opens a case with
/// `createDispute`, paying `arbitrationCost`; the court later calls `IArbitrable.rule`.
interface IArbitrator {
    /// @notice Emitted when a case is opened.
    event DisputeCreation(uint256 indexed disputeId, address indexed arbitrable);

    /// @notice Opens a case with `choices` possible rulings (0 = refuse to rule).
    /// @param extraData abi.encode(address buyer, address merchant, address feePayer): the parties,
    /// whom the court must exclude from its panel, and who advanced the fee.
    function createDispute(uint256 choices, bytes calldata extraData)
        external
        payable
        returns (uint256 disputeId);

    /// @notice The fee, in wei, that `createDispute` requires.
    function arbitrationCost(bytes calldata extraData) external view returns (uint256);
}
