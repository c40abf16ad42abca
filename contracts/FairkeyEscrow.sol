// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EscrowAdmin} from "./escrow/EscrowAdmin.sol";
import {Ledger} from "./escrow/Ledger.sol";
import {Disputes} from "./escrow/Disputes.sol";
import {DeliveryFaults} from "./DeliveryFaults.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";

/// @title fairkey escrow
/// @notice Holds a card-key buyer's payment until the key is shown good or a published rule
/// refunds it (IFairkeyEscrow is the interface; docs/architecture.md the layout).
/// Two side-by-side bases provide what the market layers use through EscrowBase: EscrowAdmin
/// (settings) and Ledger (money). The market layers run StockBook → OrderBook → Disputes.
/// The constructor creates the escrow's own DeliveryFaults (the stateless misdelivery check),
/// so the escrow trusts exactly the code it was built with.
contract FairkeyEscrow is EscrowAdmin, Ledger, Disputes {
    constructor(address owner_, address treasury_, uint16 feeBps_, IArbitrator arbitrator_)
        EscrowAdmin(owner_, treasury_, feeBps_, arbitrator_)
        Disputes(new DeliveryFaults())
    {}
}
