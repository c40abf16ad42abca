// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only account contract: acts as a buyer or merchant through `exec`, and when it
/// receives ETH tries to call back into the escrow (mode Reenter) or refuses the ETH (mode Reject).
contract ReentrantReceiver {
    enum Mode {
        Accept,
        Reenter,
        Reject
    }

    Mode public mode;
    address public target;
    bytes public payload;
    bool public reentryAttempted;
    bool public reentrySucceeded;

    function setMode(Mode mode_, address target_, bytes calldata payload_) external {
        mode = mode_;
        target = target_;
        payload = payload_;
    }

    function exec(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        if (mode == Mode.Reject) revert("no ETH please");
        if (mode == Mode.Reenter && !reentryAttempted) {
            reentryAttempted = true;
            (bool ok,) = target.call(payload);
            reentrySucceeded = ok;
        }
    }
}
