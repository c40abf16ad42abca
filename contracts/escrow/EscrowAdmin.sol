// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EscrowBase} from "./EscrowBase.sol";
import {IFairkeyEscrow} from "../interfaces/IFairkeyEscrow.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {EscrowConfig} from "../types/EscrowTypes.sol";

/// @notice Owner-controlled settings: treasury, platform fee, arbitrator, emergency pause.
/// The pause only stops new money coming in (listings, stock, payments); deliveries, refunds,
/// settlements, disputes and withdrawals always work, so nothing is ever stuck behind it.
/// The pause flag shares the config slot with treasury and fee, so settlement and `pay` read one
/// slot; that is why this is not OpenZeppelin's Pausable (a second cold slot on every payment).
/// Other layers read the settings through EscrowBase's hooks, never this storage.
abstract contract EscrowAdmin is EscrowBase, Ownable2Step {
    uint256 public constant MAX_FEE_BPS = 1_000; // 10 %

    EscrowConfig private _config;
    /// @inheritdoc IFairkeyEscrow
    IArbitrator public arbitrator;

    constructor(address owner_, address treasury_, uint16 feeBps_, IArbitrator arbitrator_)
        Ownable(owner_)
    {
        _setTreasury(treasury_);
        _setFee(feeBps_);
        arbitrator = arbitrator_;
        emit ArbitratorChanged(address(arbitrator_));
    }

    /// @inheritdoc IFairkeyEscrow
    function config() external view returns (EscrowConfig memory) {
        return _config;
    }

    /// @inheritdoc IFairkeyEscrow
    function setPaused(bool paused) external onlyOwner {
        _config.paused = paused;
        emit PausedSet(paused);
    }

    /// @inheritdoc IFairkeyEscrow
    function setTreasury(address treasury) external onlyOwner {
        _setTreasury(treasury);
    }

    /// @inheritdoc IFairkeyEscrow
    function setFee(uint16 feeBps) external onlyOwner {
        _setFee(feeBps);
    }

    /// @inheritdoc IFairkeyEscrow
    function setArbitrator(IArbitrator newArbitrator) external onlyOwner {
        arbitrator = newArbitrator;
        emit ArbitratorChanged(address(newArbitrator));
    }

    function _requireNotPaused() internal view override {
        if (_config.paused) revert EscrowPaused();
    }

    function _currentFeeBps() internal view override returns (uint16) {
        return _config.feeBps;
    }

    function _treasury() internal view override returns (address) {
        return _config.treasury;
    }

    function _court() internal view override returns (IArbitrator) {
        return arbitrator;
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
