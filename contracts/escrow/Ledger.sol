// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";

/// @notice Pull-payment ledger per token (address(0) = ETH). State changes only ever credit an
/// account here; money leaves the contract solely through `withdraw`/`withdrawTo`.
/// Incoming ERC-20 transfers are measured by balance delta and refused if short (fee-on-transfer
/// tokens would otherwise leave the escrow owing more than it holds).
/// Other layers move money through EscrowBase's hooks (`_credit`, `_collect`), never this storage.
abstract contract Ledger is EscrowBase {
    using SafeERC20 for IERC20;

    mapping(address token => mapping(address account => uint256)) private _credits;

    /// @inheritdoc IFairkeyEscrow
    function creditOf(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @inheritdoc IFairkeyEscrow
    function withdraw(address token) external nonReentrant {
        _withdraw(token, msg.sender);
    }

    /// @inheritdoc IFairkeyEscrow
    function withdrawTo(address token, address to) external nonReentrant {
        if (to == address(0)) revert EscrowZeroAddress();
        _withdraw(token, to);
    }

    function _credit(address token, address account, uint256 amount) internal override {
        if (amount != 0) _credits[token][account] += amount;
    }

    /// @dev Takes exactly `amount` of `token` from `from`: ETH must arrive as msg.value, ERC-20 is
    /// pulled (call this last: it is the interaction).
    function _collect(address token, address from, uint256 amount) internal override {
        if (token == address(0)) {
            if (msg.value != amount) revert EscrowWrongPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert EscrowWrongPayment(0, msg.value);
        if (amount == 0) return;
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(from, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received != amount) revert EscrowFeeOnTransferToken(token, amount, received);
    }

    function _withdraw(address token, address to) private {
        uint256 amount = _credits[token][msg.sender];
        if (amount == 0) revert EscrowNothingToWithdraw(token, msg.sender);
        _credits[token][msg.sender] = 0;
        emit Withdrawn(msg.sender, token, to, amount);
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert EscrowTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
