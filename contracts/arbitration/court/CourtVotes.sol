// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {CourtCases} from "./CourtCases.sol";
import {ICourt} from "../interfaces/ICourt.sol";
import {IRandomness} from "../interfaces/IRandomness.sol";
import {Period, Choices, CourtParams, CaseData, Round, SignedCommit, Reveal} from "../types/CourtTypes.sol";

/// @notice Commit–reveal votes. A commit hash binds chain id, court, case, round, juror, choice
/// and salt, so a copied commit is worthless to anyone else and reveals exactly one choice; each
/// seat commits once (no re-commit) and reveals once.
/// Gasless voting: a juror signs an EIP-712 `Commit` (bound to chain id and court by the domain,
/// and to case, round, seat and a deadline); anyone relays it. Replays are harmless without a
/// nonce: a seat's commit is written once, so the same signature can never land twice, and the
/// juror's other signed votes stay valid. A reveal needs no signature: it must reproduce the
/// juror's own commit, which is the authorisation, so anyone may send it (the juror client, a
/// relayer, or the juror's keeper on another machine).
abstract contract CourtVotes is CourtCases, EIP712 {
    bytes32 public constant COMMIT_TYPEHASH =
        keccak256("Commit(uint256 caseId,uint256 round,uint256 seat,bytes32 commitHash,uint64 deadline)");
    bytes32 internal constant VOTE_TAG = keccak256("fairkey.court.vote");
    bytes32 public constant EVIDENCE_TYPEHASH = keccak256(
        "Evidence(uint256 caseId,address party,string uri,bytes32 contentHash,uint64 deadline)"
    );

    /// Evidence signatures already relayed (each anchors once).
    mapping(bytes32 digest => bool) private _evidenceRelayed;

    constructor(CourtParams memory p, IRandomness randomness_)
        CourtCases(p, randomness_)
        EIP712("fairkey court", "1")
    {}

    /// @inheritdoc ICourt
    function commitHashOf(uint256 caseId, uint256 round, address juror, uint8 choice, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(VOTE_TAG, block.chainid, address(this), caseId, round, juror, choice, salt));
    }

    /// @inheritdoc ICourt
    function commitDigest(uint256 caseId, uint256 round, uint256 seat, bytes32 commitHash, uint64 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(COMMIT_TYPEHASH, caseId, round, seat, commitHash, deadline)));
    }

    /// @inheritdoc ICourt
    function commit(uint256 caseId, uint256 seat, bytes32 commitHash) external {
        _revertWith(_commit(caseId, seat, commitHash, msg.sender));
    }

    /// @inheritdoc ICourt
    function commitSigned(SignedCommit[] calldata commits) external returns (uint256 accepted) {
        uint256 n = commits.length;
        if (n == 0) revert CourtEmptyList();
        for (uint256 i; i < n; ++i) {
            SignedCommit calldata sc = commits[i];
            bytes memory refusal = _commitSigned(sc);
            if (refusal.length == 0) ++accepted;
            else if (n == 1) _revertWith(refusal);
            else emit VoteRefused(sc.caseId, sc.seat, refusal);
        }
    }

    /// @inheritdoc ICourt
    function reveal(Reveal[] calldata reveals) external returns (uint256 accepted) {
        uint256 n = reveals.length;
        if (n == 0) revert CourtEmptyList();
        for (uint256 i; i < n; ++i) {
            Reveal calldata rv = reveals[i];
            bytes memory refusal = _reveal(rv.caseId, rv.seat, rv.choice, rv.salt);
            if (refusal.length == 0) ++accepted;
            else if (n == 1) _revertWith(refusal);
            else emit VoteRefused(rv.caseId, rv.seat, refusal);
        }
    }

    /// @inheritdoc ICourt
    function evidenceDigest(uint256 caseId, address party, string calldata uri, bytes32 contentHash, uint64 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(EVIDENCE_TYPEHASH, caseId, party, keccak256(bytes(uri)), contentHash, deadline))
        );
    }

    /// @inheritdoc ICourt
    function submitEvidenceSigned(
        uint256 caseId,
        address party,
        string calldata uri,
        bytes32 contentHash,
        uint64 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert CourtSignatureExpired(deadline);
        bytes32 digest = evidenceDigest(caseId, party, uri, contentHash, deadline);
        if (_evidenceRelayed[digest]) revert CourtEvidenceUsed();
        if (!SignatureChecker.isValidSignatureNow(party, digest, signature)) revert CourtInvalidSignature(caseId, 0);
        _evidenceRelayed[digest] = true;
        _anchorEvidence(caseId, party, uri, contentHash);
    }

    // ------------------------------------------------------------------ internals

    function _commitSigned(SignedCommit calldata sc) private returns (bytes memory) {
        if (block.timestamp > sc.deadline) return abi.encodeWithSelector(CourtSignatureExpired.selector, sc.deadline);
        address juror = _jurorOnSeat(sc.caseId, sc.seat);
        uint256 round = _caseRound(sc.caseId);
        bytes32 digest = commitDigest(sc.caseId, round, sc.seat, sc.commitHash, sc.deadline);
        if (juror == address(0) || !SignatureChecker.isValidSignatureNow(juror, digest, sc.signature)) {
            return abi.encodeWithSelector(CourtInvalidSignature.selector, sc.caseId, sc.seat);
        }
        return _commit(sc.caseId, sc.seat, sc.commitHash, juror);
    }

    /// @dev The one commit rule: the case in its commit period, `juror` on `seat` of the current
    /// round, the seat not yet committed, a hash that cannot pass for a revealed vote.
    function _commit(uint256 caseId, uint256 seat, bytes32 commitHash, address juror)
        private
        returns (bytes memory)
    {
        (CaseData storage c,, bytes memory refusal) = _votingSeat(caseId, seat, juror, Period.Commit);
        if (refusal.length != 0) return refusal;
        if (!_validCommit(commitHash)) return abi.encodeWithSelector(CourtInvalidCommit.selector);
        if (_votes[caseId][seat] != 0) return abi.encodeWithSelector(CourtAlreadyCommitted.selector, caseId, seat);
        _votes[caseId][seat] = commitHash; // counted when the commit period ends (passPeriod)
        emit VoteCommitted(caseId, c.round, seat, juror);
        return "";
    }

    /// @dev The one reveal rule: the case in its reveal period, the seat committed and not yet
    /// revealed, and (choice, salt) reproducing the commit of the seat's juror.
    function _reveal(uint256 caseId, uint256 seat, uint8 choice, bytes32 salt) private returns (bytes memory) {
        address juror = _jurorOnSeat(caseId, seat);
        (CaseData storage c, Round storage r, bytes memory refusal) = _votingSeat(caseId, seat, juror, Period.Reveal);
        if (refusal.length != 0) return refusal;
        if (choice > Choices.COUNT) return abi.encodeWithSelector(CourtInvalidChoice.selector, choice);
        bytes32 stored = _votes[caseId][seat];
        if (stored == 0) return abi.encodeWithSelector(CourtNotCommitted.selector, caseId, seat);
        if (_isRevealed(stored)) return abi.encodeWithSelector(CourtAlreadyRevealed.selector, caseId, seat);
        uint256 round = c.round;
        if (commitHashOf(caseId, round, juror, choice, salt) != stored) {
            return abi.encodeWithSelector(CourtRevealMismatch.selector, caseId, seat);
        }
        _votes[caseId][seat] = REVEALED | bytes32(uint256(choice));
        r.revealed += 1;
        if (choice == Choices.FIRST_PARTY) r.votesFirst += 1;
        else if (choice == Choices.SECOND_PARTY) r.votesSecond += 1;
        else r.votesRefuse += 1;
        emit VoteRevealed(caseId, round, seat, juror, choice);
        return "";
    }

    /// @dev The case and current round if `seat` belongs to the current round, `juror` sits on
    /// it, and the case is in `period` (an unknown case reverts: nothing to skip to).
    function _votingSeat(uint256 caseId, uint256 seat, address juror, Period period)
        private
        view
        returns (CaseData storage c, Round storage r, bytes memory refusal)
    {
        c = _case(caseId);
        uint256 round = c.round;
        r = _round(caseId, round);
        if (c.period != period) return (c, r, abi.encodeWithSelector(CourtWrongPeriod.selector, caseId, c.period));
        (uint256 first, uint256 count) = seatsOf(round);
        if (seat < first || seat >= first + count || juror == address(0) || _jurorOnSeat(caseId, seat) != juror) {
            return (c, r, abi.encodeWithSelector(CourtNotSeated.selector, caseId, seat, juror));
        }
    }

    function _caseRound(uint256 caseId) private view returns (uint256) {
        return _case(caseId).round;
    }
}
