// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrable} from "../../interfaces/IArbitrable.sol";

/// @notice A case's phases; each round runs Evidence → Commit → Reveal → Appeal, and the case
/// ends Executed. Anyone advances a phase once its deadline passed (or every drawn juror acted).
enum Period {
    Evidence, // the panel is drawn; the parties add evidence
    Commit, //   jurors commit hidden votes
    Reveal, //   jurors reveal them
    Appeal, //   the round's loser may fund the next round; the winner may fund its defence
    Executed //  the final ruling was sent to the arbitrable (accepted or refused)
}

/// @notice Choices a juror may vote for (ERC-792: 0 = refuse to arbitrate, which the escrow
/// executes as a split). Choice 1 favours the first party (the buyer), 2 the second (merchant).
library Choices {
    uint8 internal constant REFUSE = 0;
    uint8 internal constant FIRST_PARTY = 1;
    uint8 internal constant SECOND_PARTY = 2;
    uint8 internal constant COUNT = 2;
}

/// @notice Everything fixed at deployment (no owner can change it later).
struct CourtParams {
    address stakeToken; //    what jurors stake: address(0) = ETH, else an ERC-20
    uint96 minStake; //       least stake to be in the pool
    uint96 lockPerSeat; //    stake locked per seat; lost to the coherent jurors if incoherent or absent
    uint96 feePerJuror; //    ETH per seat, paid by whoever opens or appeals a round
    uint96 stakeQuantum; //   sortition weight unit: a stake weighs floor(stake / quantum)
    uint32 evidencePeriod; // seconds
    uint32 commitPeriod;
    uint32 revealPeriod;
    uint32 appealPeriod; //   the loser must fund within the first half, the winner within all of it
    uint8 maxRounds; //       rounds of 3, 7, 15, 31 jurors (2n+1); at most 4
}

/// @notice A juror's stake, one slot. `locked` backs open seats (lockPerSeat each).
struct JurorStake {
    uint112 staked;
    uint112 locked;
    uint32 openSeats;
}

/// @notice A juror's place in the sortition tree, one slot. `weight` is what the tree holds for
/// the juror, in stake quanta: `staked / stakeQuantum` while in the pool, 0 after leaving it
/// (absent from a vote, or unstaked);
/// a stake change requested while a panel waits to be drawn is `queued` until `applyStake`.
struct JurorSeat {
    uint32 id; //          1.. in the sortition tree; 0 = never staked
    bool inPool;
    bool queued;
    uint112 weight;
    uint72 reserved;
}

/// @notice A case: its arbitrable (the escrow), the two parties and where it stands.
struct CaseData {
    // slot 0
    IArbitrable arbitrable;
    Period period;
    uint8 round; //         the current round (0-based)
    uint8 ruling; //        the current ruling (of the last round that voted)
    uint40 periodStart;
    uint32 commits; //      the current round's commits while it commits (bit i: its seat i), in
    //                      the slot every vote reads anyway; moved to Round.commits at the end
    // slot 1
    address buyer; //       the first party (choice 1 favours it)
    // slot 2
    address merchant; //    the second party (choice 2 favours it)
    uint96 firstPanel; //   round 0's three juror ids (32 bits each): the slot is written anyway
}

/// @notice One round of a case. Seats live in their own mapping; a seat's vote lives here, as
/// bits of slot 0 (written by every vote anyway), and its commit hash as a leaf of a commitment
/// root (CourtVotes): a vote writes no slot of its own.
struct Round {
    // slot 0
    uint64 ticket; //       randomness ticket for the draw
    uint8 seats; //         jurors to draw (2n+1, at most 31)
    uint8 drawn;
    uint16 attempts; //     draws tried (a rejected candidate costs one)
    uint8 committed;
    uint8 revealed;
    uint8 settled; //       seats whose reward or penalty was applied
    uint8 votesRefuse; //   revealed votes per choice
    uint8 votesFirst;
    uint8 votesSecond;
    bool aborted; //        the pool could not seat the panel: the round did not vote
    uint32 commits; //      bit i: the round's seat i committed (set when the commit period ends)
    uint64 reveals; //      2 bits per seat: 0 = not revealed, else 1 + the revealed choice
    // slot 1
    address feePayer; //    who funded the round (the escalating party, or the appellant)
    uint96 fee;
    // slot 2
    address defender; //    the previous round's winner, if it funded its defence too
    uint96 defenderDeposit;
}

/// @notice A commit relayed for a juror who signed it (EIP-712 `Commit`).
struct SignedCommit {
    uint256 caseId;
    uint256 seat;
    bytes32 commitHash;
    uint64 deadline;
    bytes signature;
}

/// @notice A reveal anyone may send: the juror's commit is its authorisation. `juror` is the
/// seat's juror (the commit hash binds it, so a wrong one cannot match); `proof` places the seat's
/// commit in the root it was accepted under (empty for a commit sent alone).
struct Reveal {
    uint256 caseId;
    uint256 seat;
    address juror;
    uint8 choice;
    bytes32 salt;
    bytes32[] proof;
}
