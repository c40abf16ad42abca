// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CourtVotes} from "./court/CourtVotes.sol";
import {IRandomness} from "./interfaces/IRandomness.sol";
import {CourtParams} from "./types/CourtTypes.sol";

/// @title fairkey court
/// @notice Community arbitration for the escrow's contested orders (docs/arbitration.md).
/// Layers: CourtLedger (settings, pull payments) → CourtJurors (stakes, sortition tree) →
/// CourtCases (drawing, periods, appeals, payouts) → CourtVotes (commit–reveal, relayed votes).
/// There is no owner: everything is fixed at deployment.
contract Court is CourtVotes {
    constructor(CourtParams memory p, IRandomness randomness_) CourtVotes(p, randomness_) {}
}
