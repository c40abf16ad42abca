// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICourt} from "../interfaces/ICourt.sol";
import {CourtParams} from "../types/CourtTypes.sol";

/// @notice The court's settings (fixed at deployment: there is no owner) and its pull-payment
/// ledger per token (address(0) = ETH). Money leaves only through `withdraw`.
abstract contract CourtLedger is ICourt, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_ROUNDS = 4; // panels of 3, 7, 15, 31

    address internal immutable STAKE_TOKEN;
    uint256 internal immutable MIN_STAKE;
    uint256 internal immutable LOCK_PER_SEAT;
    uint256 internal immutable FEE_PER_JUROR;
    uint256 internal immutable STAKE_QUANTUM;
    uint256 internal immutable EVIDENCE_PERIOD;
    uint256 internal immutable COMMIT_PERIOD;
    uint256 internal immutable REVEAL_PERIOD;
    uint256 internal immutable APPEAL_PERIOD;
    uint256 internal immutable ROUNDS;

    mapping(address token => mapping(address account => uint256)) private _credits;

    constructor(CourtParams memory p) {
        if (
            p.stakeQuantum == 0 || p.minStake < p.stakeQuantum || p.lockPerSeat == 0 || p.lockPerSeat > p.minStake
                || p.maxRounds == 0
                || p.maxRounds > MAX_ROUNDS || p.commitPeriod == 0 || p.revealPeriod == 0 || p.appealPeriod < 2
        ) revert CourtBadParams();
        STAKE_TOKEN = p.stakeToken;
        MIN_STAKE = p.minStake;
        LOCK_PER_SEAT = p.lockPerSeat;
        FEE_PER_JUROR = p.feePerJuror;
        STAKE_QUANTUM = p.stakeQuantum;
        EVIDENCE_PERIOD = p.evidencePeriod;
        COMMIT_PERIOD = p.commitPeriod;
        REVEAL_PERIOD = p.revealPeriod;
        APPEAL_PERIOD = p.appealPeriod;
        ROUNDS = p.maxRounds;
    }

    /// @inheritdoc ICourt
    function params() external view returns (CourtParams memory) {
        return CourtParams({
            stakeToken: STAKE_TOKEN,
            minStake: uint96(MIN_STAKE),
            lockPerSeat: uint96(LOCK_PER_SEAT),
            feePerJuror: uint96(FEE_PER_JUROR),
            stakeQuantum: uint96(STAKE_QUANTUM),
            evidencePeriod: uint32(EVIDENCE_PERIOD),
            commitPeriod: uint32(COMMIT_PERIOD),
            revealPeriod: uint32(REVEAL_PERIOD),
            appealPeriod: uint32(APPEAL_PERIOD),
            maxRounds: uint8(ROUNDS)
        });
    }

    /// @inheritdoc ICourt
    function creditOf(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @inheritdoc ICourt
    function withdraw(address token) external nonReentrant {
        uint256 amount = _credits[token][msg.sender];
        if (amount == 0) revert CourtNothingToWithdraw(token, msg.sender);
        _credits[token][msg.sender] = 0;
        emit Withdrawn(msg.sender, token, amount);
        if (token == address(0)) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert CourtTransferFailed(msg.sender, amount);
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
    }

    function _credit(address token, address account, uint256 amount) internal {
        if (amount != 0) _credits[token][account] += amount;
    }

    /// @dev Takes exactly `amount` of the stake token from the caller (call it last).
    function _collectStake(uint256 amount) internal {
        if (STAKE_TOKEN == address(0)) {
            if (msg.value != amount) revert CourtWrongPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert CourtWrongPayment(0, msg.value);
        if (amount == 0) return;
        IERC20 token = IERC20(STAKE_TOKEN);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        // A fee-on-transfer token would leave the court owing more stake than it holds.
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert CourtWrongPayment(amount, received);
    }

    /// @dev Exactly `amount` of ETH must come with the call (fees are paid in ETH).
    function _requireFee(uint256 amount) internal view {
        if (msg.value != amount) revert CourtWrongPayment(amount, msg.value);
    }

    /// @dev A refusal (an encoded custom error, empty = allowed) as a revert.
    function _revertWith(bytes memory refusal) internal pure {
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 0x20), mload(refusal))
            }
        }
    }
}
