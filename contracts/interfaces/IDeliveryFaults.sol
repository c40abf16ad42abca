// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DeliveryRecord} from "../types/EscrowTypes.sol";

/// @notice The misdelivery check (docs/protocol.md, "Misdelivery faults"), as a stateless
/// contract the escrow calls with STATICCALL: the rarely used proof path lives outside the
/// escrow's code so that the escrow stays well inside EIP-170's size limit.
interface IDeliveryFaults {
    /// @notice Checks a misdelivery proof of delivery `record` of `orderId`: whether
    /// `buyerSecret` is the order's per-order private key, and if so, decrypts the delivery with
    /// it and reports the first fault found under the listing's key alphabet
    /// (DeliveryCrypto.FAULT_*; 0 = the delivery is as committed). The caller checks that the
    /// record is the order's current delivery.
    function examine(uint256 buyerSecret, uint256 orderId, DeliveryRecord calldata record, uint8 alphabet)
        external
        pure
        returns (bool isOrderSecret, uint8 fault);
}
