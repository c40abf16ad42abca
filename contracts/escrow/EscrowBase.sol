// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";

/// @notice What every escrow layer may use without knowing who provides it: the settings
/// (implemented by EscrowAdmin) and the money (implemented by Ledger). The two providers are
/// side-by-side bases that never see each other; the market layers (StockBook → OrderBook →
/// Disputes) inherit only this, and FairkeyEscrow joins the three. One reentrancy guard
/// (transient storage) serves every layer.
abstract contract EscrowBase is IFairkeyEscrow, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- settings (EscrowAdmin)

    /// @dev Reverts with EscrowPaused while new money is not accepted.
    function _requireNotPaused() internal view virtual;

    /// @dev The platform fee a listing created now keeps for its life (basis points).
    function _currentFeeBps() internal view virtual returns (uint16);

    /// @dev Where platform fees are credited.
    function _treasury() internal view virtual returns (address);

    /// @dev The court for new arbitration cases (address(0) = none).
    function _court() internal view virtual returns (IArbitrator);

    // ---------------------------------------------------------------- money (Ledger)

    /// @dev Credits `amount` of `token` to `account` (withdrawn later by the account).
    function _credit(address token, address account, uint256 amount) internal virtual;

    /// @dev Takes exactly `amount` of `token` from `from` (the interaction: call it last).
    function _collect(address token, address from, uint256 amount) internal virtual;

    // ---------------------------------------------------------------- refusals

    /// @dev A rule that batch calls share with a single-order call returns its refusal instead
    /// of reverting: the ABI-encoded custom error (empty = allowed). The single call reverts with
    /// it (`_revertWith`), the batch reports it (BatchItemRefused) and goes on: one rule, one
    /// code path, and the revert data a caller sees is the same either way.
    function _revertWith(bytes memory refusal) internal pure {
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 0x20), mload(refusal))
            }
        }
    }
}
