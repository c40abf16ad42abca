// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";

/// @notice Test-only arbitrable: opens court cases between two given parties (the caller
/// advances the fee) and records rulings, or refuses them when told to (as the escrow refuses a
/// late ruling for an order already closed).
contract TestArbitrable is IArbitrable {
    IArbitrator public immutable court;
    bool public refuse;
    mapping(uint256 disputeId => uint256 ruling) public rulings;
    mapping(uint256 disputeId => bool) public ruled;

    constructor(IArbitrator court_) {
        court = court_;
    }

    function setRefuse(bool refuse_) external {
        refuse = refuse_;
    }

    function open(address buyer, address merchant) external payable returns (uint256) {
        return court.createDispute{value: msg.value}(2, abi.encode(buyer, merchant, msg.sender));
    }

    function rule(uint256 disputeId, uint256 ruling) external {
        require(!refuse && msg.sender == address(court), "refused"); // a string: test-only, no ABI error
        rulings[disputeId] = ruling;
        ruled[disputeId] = true;
        emit Ruling(msg.sender, disputeId, ruling);
    }
}
