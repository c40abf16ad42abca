// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeliveryFaults} from "./interfaces/IDeliveryFaults.sol";
import {DeliveryCrypto} from "./libraries/DeliveryCrypto.sol";
import {DeliveryRecord} from "./types/EscrowTypes.sol";

/// @title fairkey delivery faults
/// @notice Stateless: checks that a revealed secret is the order's per-order key, decrypts the
/// delivery with it and reports what differs from the merchant's commitment (DeliveryCrypto.findFault, KeyCanon's canonical
/// form). Each FairkeyEscrow creates its own in its constructor and calls it with STATICCALL
/// from `proveMisdelivery`: the escrow trusts exactly the code it was built with, and the
/// decryption, UTF-8 and canonical-form checks (a rarely used path) do not count against the
/// escrow's EIP-170 code size. Anyone may call it (it is a pure function).
contract DeliveryFaults is IDeliveryFaults {
    /// @inheritdoc IDeliveryFaults
    function examine(uint256 buyerSecret, uint256 orderId, DeliveryRecord calldata record, uint8 alphabet)
        external
        pure
        returns (bool isOrderSecret, uint8 fault)
    {
        if (!DeliveryCrypto.isOrderSecret(buyerSecret, orderId)) return (false, DeliveryCrypto.FAULT_NONE);
        return (true, DeliveryCrypto.findFault(buyerSecret, orderId, record, alphabet));
    }
}
