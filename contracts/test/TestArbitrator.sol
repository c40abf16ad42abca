// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";

/// @notice Test-only court: charges a fixed fee and rules when the test tells it to.
contract TestArbitrator is IArbitrator {
    struct Dispute {
        IArbitrable arbitrable;
        address buyer;
        address merchant;
    }

    uint256 public fee;
    uint256 public disputeCount;
    mapping(uint256 => Dispute) public disputes;

    constructor(uint256 fee_) {
        fee = fee_;
    }

    function setFee(uint256 fee_) external {
        fee = fee_;
    }

    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return fee;
    }

    function createDispute(uint256, bytes calldata extraData) external payable returns (uint256 id) {
        require(msg.value >= fee, "fee");
        (address buyer, address merchant) = abi.decode(extraData, (address, address));
        id = ++disputeCount;
        disputes[id] = Dispute(IArbitrable(msg.sender), buyer, merchant);
        emit DisputeCreation(id, msg.sender);
    }

    function giveRuling(uint256 id, uint256 ruling) external {
        disputes[id].arbitrable.rule(id, ruling);
    }
}
