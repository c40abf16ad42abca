// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IArbitrator} from "../../interfaces/IArbitrator.sol";
import {Period, CourtParams, JurorStake, CaseData, Round, SignedCommit, Reveal} from "../types/CourtTypes.sol";

/// @notice fairkey's community court (docs/arbitration.md): stake-weighted sortition, commit–
/// reveal votes (sent by the juror or relayed), appeals to panels of 2n+1, pull payments.
/// Extends the escrow's IArbitrator the ERC-792 way (appeal cost and period, current ruling).
interface ICourt is IArbitrator {
    // ---------------------------------------------------------------- events
    event StakeSet(address indexed juror, uint256 staked, bool queued);
    event JurorLeftPool(address indexed juror, uint256 indexed caseId);
    event CaseOpened(
        uint256 indexed caseId, address indexed buyer, address indexed merchant, address feePayer, uint256 fee
    );
    event RoundOpened(uint256 indexed caseId, uint256 round, uint256 seats, uint256 ticket);
    event RandomnessRerequested(uint256 indexed caseId, uint256 round, uint256 ticket);
    event JurorDrawn(uint256 indexed caseId, uint256 round, uint256 seat, address indexed juror);
    event RoundAborted(uint256 indexed caseId, uint256 round, uint256 drawn, uint256 seats);
    event PeriodChanged(uint256 indexed caseId, uint256 round, Period period);
    event VoteCommitted(
        uint256 indexed caseId, uint256 round, uint256 seat, address indexed juror, bytes32 commitHash, bytes32 root
    );
    event VoteRevealed(uint256 indexed caseId, uint256 round, uint256 seat, address indexed juror, uint8 choice);
    event VoteRefused(uint256 indexed caseId, uint256 seat, bytes reason);
    event RoundRuled(uint256 indexed caseId, uint256 round, uint8 ruling);
    event AppealFunded(uint256 indexed caseId, uint256 round, address indexed party, uint256 amount, bool defence);
    /// @notice Nobody voted with the final ruling: the round's fee went back to its payer and the
    /// forfeited stake to the two parties.
    event NoCoherentJuror(uint256 indexed caseId, uint256 round);
    event CaseExecuted(uint256 indexed caseId, uint8 ruling, bool accepted);
    event SeatSettled(uint256 indexed caseId, uint256 round, uint256 seat, address indexed juror, bool coherent, uint256 fee, uint256 stake);
    /// @notice Evidence anchored on chain: where it is and the hash of its content (never the content).
    event Evidence(uint256 indexed caseId, address indexed party, string uri, bytes32 contentHash);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);

    // ---------------------------------------------------------------- errors
    error CourtBadParams();
    error CourtWrongPayment(uint256 expected, uint256 received);
    error CourtBelowMinStake(uint256 stake, uint256 min);
    error CourtJurorSeated(address juror, uint256 openSeats);
    error CourtNothingQueued(address juror);
    error CourtDrawsPending(uint256 pending);
    error CourtUnknownCase(uint256 caseId);
    error CourtWrongPeriod(uint256 caseId, Period current);
    error CourtTooEarly(uint256 caseId, uint256 until);
    error CourtTooLate(uint256 caseId, uint256 deadline);
    error CourtRandomnessNotReady(uint256 caseId, uint256 ticket);
    error CourtPanelNotDrawn(uint256 caseId, uint256 drawn, uint256 seats);
    error CourtPanelDrawn(uint256 caseId);
    error CourtNotSeated(uint256 caseId, uint256 seat, address caller);
    error CourtAlreadyCommitted(uint256 caseId, uint256 seat);
    error CourtNotCommitted(uint256 caseId, uint256 seat);
    error CourtAlreadyRevealed(uint256 caseId, uint256 seat);
    error CourtInvalidCommit();
    error CourtInvalidChoice(uint8 choice);
    error CourtRevealMismatch(uint256 caseId, uint256 seat);
    error CourtInvalidSignature(uint256 caseId, uint256 seat);
    error CourtSignatureExpired(uint64 deadline);
    error CourtNotParty(uint256 caseId, address caller);
    error CourtNotLoser(uint256 caseId, address caller);
    error CourtNoMoreAppeals(uint256 caseId);
    error CourtAppealFunded(uint256 caseId);
    error CourtNotExecuted(uint256 caseId);
    error CourtNothingToSettle(uint256 caseId, uint256 round);
    error CourtEvidenceUsed();
    error CourtNothingToWithdraw(address token, address account);
    error CourtTransferFailed(address to, uint256 amount);
    error CourtEmptyList();

    // ---------------------------------------------------------------- jurors and money

    /// @notice Sets the caller's stake to `target` (0 = leave). Raising pays the difference (ETH
    /// as msg.value, or an ERC-20 by allowance); lowering credits it (withdraw it with
    /// `withdraw`) and waits until the caller sits on no open case (CourtJurorSeated). While a
    /// panel waits to be drawn the tree is frozen: the change is queued (the money moves now,
    /// the weight later, `applyStake`) so nobody can steer a draw whose randomness is known.
    function setStake(uint256 target) external payable;

    /// @notice Applies a queued stake change once no panel waits to be drawn. Anyone.
    function applyStake(address juror) external;

    function withdraw(address token) external;

    function creditOf(address token, address account) external view returns (uint256);

    function stakeOf(address juror) external view returns (JurorStake memory);

    /// @notice Chance weights: the juror's weight in the tree and the tree's total.
    function weightOf(address juror) external view returns (uint256 weight, uint256 total);

    function params() external view returns (CourtParams memory);

    /// @notice The juror a random value picks from the pool now (what `draw` does per attempt,
    /// with random = keccak256(abi.encode(value, attempt))): lets anyone audit a draw.
    function candidate(uint256 random) external view returns (address);

    // ---------------------------------------------------------------- cases

    /// @notice Draws up to `iterations` candidates for the current round's panel (bounded work
    /// per call; anyone). Parties, jurors already on the case and jurors without free stake are
    /// skipped. If the pool cannot seat the panel the round is aborted (docs: the ruling stands
    /// or, in round 0, the court refuses to rule and refunds the fee).
    function draw(uint256 caseId, uint256 iterations) external;

    /// @notice Moves the case to its next period once allowed; from Appeal it opens the funded
    /// next round or executes the final ruling on the arbitrable. Anyone (the keeper does it).
    function passPeriod(uint256 caseId) external;

    /// @notice Funds the next round (appealCost, exactly): first the current round's loser inside
    /// the first half of the appeal period, then the winner, to defend, inside all of it.
    function appeal(uint256 caseId, bytes calldata extraData) external payable;

    /// @notice Pays out round `round` of an executed case for up to `count` seats: coherent jurors
    /// share the round's fee and the stake locked by incoherent and absent ones; absent jurors
    /// leave the pool. Anyone.
    function settle(uint256 caseId, uint256 round, uint256 count) external;

    /// @notice Anchors evidence of a party of the case (before execution): an Evidence event with
    /// its URI and content hash.
    function submitEvidence(uint256 caseId, string calldata uri, bytes32 contentHash) external;

    /// @notice The same, relayed by anyone for a party who signed the EIP-712 `Evidence` message
    /// (bound to chain, court, case, party, URI, content hash and a deadline; each signature
    /// anchors once).
    function submitEvidenceSigned(
        uint256 caseId,
        address party,
        string calldata uri,
        bytes32 contentHash,
        uint64 deadline,
        bytes calldata signature
    ) external;

    function evidenceDigest(uint256 caseId, address party, string calldata uri, bytes32 contentHash, uint64 deadline)
        external
        view
        returns (bytes32);

    // ---------------------------------------------------------------- votes

    /// @notice The hash a juror commits: binds chain, court, case, round, juror, choice and salt.
    function commitHashOf(uint256 caseId, uint256 round, address juror, uint8 choice, bytes32 salt)
        external
        view
        returns (bytes32);

    /// @notice EIP-712 digest a juror signs to have `commitHash` relayed for seat `seat`.
    function commitDigest(uint256 caseId, uint256 round, uint256 seat, bytes32 commitHash, uint64 deadline)
        external
        view
        returns (bytes32);

    /// @notice The Merkle leaf of a seat's commit (a juror's own commit is a root of one leaf).
    function commitLeaf(uint256 caseId, uint256 round, uint256 seat, address juror, bytes32 commitHash)
        external
        pure
        returns (bytes32);

    /// @notice Whether `root` holds accepted commits (a reveal proves its leaf under one).
    function isCommitRoot(bytes32 root) external view returns (bool);

    function commit(uint256 caseId, uint256 seat, bytes32 commitHash) external;

    /// @notice Relays signed commits; a refused one is skipped with VoteRefused. The accepted
    /// ones are stored as one Merkle root (in VoteCommitted) that their reveals prove against.
    function commitSigned(SignedCommit[] calldata commits) external returns (uint256 accepted);

    /// @notice Reveals votes (anyone may send them: each must match its juror's commit); a
    /// refused one is skipped with VoteRefused.
    function reveal(Reveal[] calldata reveals) external returns (uint256 accepted);

    // ---------------------------------------------------------------- views

    function caseData(uint256 caseId) external view returns (CaseData memory);

    function roundOf(uint256 caseId, uint256 round) external view returns (Round memory);

    /// @notice The juror on seat `seat` of the case (seats are numbered across rounds).
    function jurorAt(uint256 caseId, uint256 seat) external view returns (address);

    /// @notice The first seat of `round` and its panel size.
    function seatsOf(uint256 round) external pure returns (uint256 first, uint256 count);

    /// @notice Whether a seat committed and revealed, and its choice once revealed (the commit
    /// hash itself is in its VoteCommitted log).
    function voteOf(uint256 caseId, uint256 seat) external view returns (bool committed, bool revealed, uint8 choice);

    function appealCost(uint256 caseId, bytes calldata extraData) external view returns (uint256);

    function appealPeriod(uint256 caseId) external view returns (uint256 start, uint256 loserEnd, uint256 end);

    function currentRuling(uint256 caseId) external view returns (uint256);

    function caseCount() external view returns (uint256);
}
