// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {EscrowConfig} from "../types/EscrowTypes.sol";

/// @notice Owner-controlled settings: treasury, platform fee, arbitrator, emergency pause.
/// The pause only stops new money coming in (listings, stock, payments); deliveries, refunds,
/// settlements, disputes and withdrawals always work, so nothing is ever stuck behind it.
/// The pause flag shares the config slot with treasury and fee, so settlement and `pay` read one
/// slot; that is why this is not OpenZeppelin's Pausable (a second cold slot on every payment).
abstract contract EscrowAdmin is IFairkeyEscrow, Ownable2Step {
    uint256 public constant MAX_FEE_BPS = 1_000; // 10 %

    EscrowConfig internal _config;
    /// @notice The court that rules on contested orders (new cases only; open ones keep theirs).
    IArbitrator public arbitrator;

    constructor(address owner_, address treasury_, uint16 feeBps_, IArbitrator arbitrator_)
        Ownable(owner_)
    {
        _setTreasury(treasury_);
        _setFee(feeBps_);
        arbitrator = arbitrator_;
        emit ArbitratorChanged(address(arbitrator_));
    }

    /// @notice Treasury, fee in basis points and the pause flag.
    function config() external view returns (EscrowConfig memory) {
        return _config;
    }

    /// @notice Stops listings, stock commits and payments (owner). Emits PausedSet.
    function setPaused(bool paused) external onlyOwner {
        _config.paused = paused;
        emit PausedSet(paused);
    }

    /// @notice Where platform fees are credited (owner). Emits TreasuryChanged.
    function setTreasury(address treasury) external onlyOwner {
        _setTreasury(treasury);
    }

    /// @notice Platform fee on released prices for listings created from now on (a listing keeps
    /// the fee it was created with), at most MAX_FEE_BPS (owner). Emits FeeChanged.
    function setFee(uint16 feeBps) external onlyOwner {
        _setFee(feeBps);
    }

    /// @notice The court for new arbitration cases (owner). Emits ArbitratorChanged.
    function setArbitrator(IArbitrator newArbitrator) external onlyOwner {
        arbitrator = newArbitrator;
        emit ArbitratorChanged(address(newArbitrator));
    }

    function _requireNotPaused() internal view {
        if (_config.paused) revert EscrowPaused();
    }

    function _setTreasury(address treasury) private {
        if (treasury == address(0)) revert EscrowZeroAddress();
        _config.treasury = treasury;
        emit TreasuryChanged(treasury);
    }

    function _setFee(uint16 feeBps) private {
        if (feeBps > MAX_FEE_BPS) revert EscrowFeeTooHigh(feeBps, MAX_FEE_BPS);
        _config.feeBps = feeBps;
        emit FeeChanged(feeBps);
    }
}
