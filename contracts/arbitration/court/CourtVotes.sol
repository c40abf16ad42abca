// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {CourtCases} from "./CourtCases.sol";
import {ICourt} from "../interfaces/ICourt.sol";
import {IRandomness} from "../interfaces/IRandomness.sol";
import {Period, Choices, CourtParams, CaseData, Round, SignedCommit, Reveal} from "../types/CourtTypes.sol";

/// @notice Commit–reveal votes. A commit hash binds chain id, court, case, round, juror, choice
/// and salt, so a copied commit is worthless to anyone else and reveals exactly one choice; each
/// seat commits once (no re-commit) and reveals once.
/// Gasless voting: a juror signs an EIP-712 `Commit` (bound to chain id and court by the domain,
/// and to case, round, seat and a deadline); anyone relays it. Replays are harmless without a
/// nonce: a seat commits once, so the same signature can never land twice, and the juror's other
/// signed votes stay valid. A reveal needs no signature: it must reproduce the juror's own commit,
/// which is the authorisation, so anyone may send it (the juror client, a relayer, or the juror's
/// keeper on another machine).
/// Storage: a seat's committed and revealed marks are bits of its round's first slot, which every
/// vote writes anyway; its commit hash is a leaf of a commitment root, one slot per transaction:
/// a juror's own commit is a root of one leaf, a relayed batch one Merkle tree of its accepted
/// commits (VoteCommitted carries hash and root, so anyone can rebuild the tree from the logs).
/// A reveal proves its leaf under a stored root. A seat's leaf can only ever enter one root,
/// because the seat's committed bit is set when it does.
abstract contract CourtVotes is CourtCases, EIP712 {
    bytes32 public constant COMMIT_TYPEHASH =
        keccak256("Commit(uint256 caseId,uint256 round,uint256 seat,bytes32 commitHash,uint64 deadline)");
    bytes32 internal constant VOTE_TAG = keccak256("fairkey.court.vote");
    bytes32 public constant EVIDENCE_TYPEHASH = keccak256(
        "Evidence(uint256 caseId,address party,string uri,bytes32 contentHash,uint64 deadline)"
    );

    /// Commitment roots of accepted commits.
    mapping(bytes32 root => bool) private _commitRoots;
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
    function commitLeaf(uint256 caseId, uint256 round, uint256 seat, address juror, bytes32 commitHash)
        public
        pure
        returns (bytes32)
    {
        // The juror is bound here too: a reveal names it, and a hash copied onto another seat
        // must not be revealable there by naming the juror it was copied from. Hashed twice, so
        // a leaf can never pass for an inner node of a tree (64-byte preimage).
        return keccak256(bytes.concat(keccak256(abi.encode(caseId, round, seat, juror, commitHash))));
    }

    /// @inheritdoc ICourt
    function isCommitRoot(bytes32 root) external view returns (bool) {
        return _commitRoots[root];
    }

    /// @inheritdoc ICourt
    function commit(uint256 caseId, uint256 seat, bytes32 commitHash) external {
        (bytes memory refusal, uint256 round) = _commit(caseId, seat, commitHash, msg.sender);
        _revertWith(refusal);
        bytes32 leaf = commitLeaf(caseId, round, seat, msg.sender, commitHash);
        _commitRoots[leaf] = true;
        emit VoteCommitted(caseId, round, seat, msg.sender, commitHash, leaf);
    }

    /// @inheritdoc ICourt
    function commitSigned(SignedCommit[] calldata commits) external returns (uint256 accepted) {
        uint256 n = commits.length;
        if (n == 0) revert CourtEmptyList();
        bytes32[] memory leaves = new bytes32[](n);
        uint256[] memory landed = new uint256[](n); // per accepted: item << 168 | round << 160 | juror
        for (uint256 i; i < n; ++i) {
            SignedCommit calldata sc = commits[i];
            (bytes memory refusal, uint256 round, address juror) = _commitSigned(sc);
            if (refusal.length == 0) {
                leaves[accepted] = commitLeaf(sc.caseId, round, sc.seat, juror, sc.commitHash);
                landed[accepted] = (i << 168) | (round << 160) | uint160(juror);
                ++accepted;
            } else if (n == 1) {
                _revertWith(refusal);
            } else {
                emit VoteRefused(sc.caseId, sc.seat, refusal);
            }
        }
        if (accepted == 0) return 0;
        bytes32 root = _rootOf(leaves, accepted);
        _commitRoots[root] = true;
        for (uint256 k; k < accepted; ++k) {
            uint256 packed = landed[k];
            SignedCommit calldata sc = commits[packed >> 168];
            emit VoteCommitted(sc.caseId, uint8(packed >> 160), sc.seat, address(uint160(packed)), sc.commitHash, root);
        }
    }

    /// @inheritdoc ICourt
    function reveal(Reveal[] calldata reveals) external returns (uint256 accepted) {
        uint256 n = reveals.length;
        if (n == 0) revert CourtEmptyList();
        for (uint256 i; i < n; ++i) {
            Reveal calldata rv = reveals[i];
            bytes memory refusal = _reveal(rv);
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

    function _commitSigned(SignedCommit calldata sc)
        private
        returns (bytes memory refusal, uint256 round, address juror)
    {
        if (block.timestamp > sc.deadline) {
            return (abi.encodeWithSelector(CourtSignatureExpired.selector, sc.deadline), 0, address(0));
        }
        juror = _jurorOnSeat(sc.caseId, sc.seat);
        bytes32 digest = commitDigest(sc.caseId, _caseRound(sc.caseId), sc.seat, sc.commitHash, sc.deadline);
        if (juror == address(0) || !_signedBy(juror, digest, sc.signature)) {
            return (abi.encodeWithSelector(CourtInvalidSignature.selector, sc.caseId, sc.seat), 0, juror);
        }
        (refusal, round) = _commit(sc.caseId, sc.seat, sc.commitHash, juror);
    }

    /// @dev The one commit rule: the case in its commit period, `juror` on `seat` of the current
    /// round, the seat not yet committed, a non-zero hash. Marks the seat committed (in the case's
    /// live commit bits: passPeriod counts them and files them with the round); the caller
    /// stores the leaf's root and emits VoteCommitted.
    function _commit(uint256 caseId, uint256 seat, bytes32 commitHash, address juror)
        private
        returns (bytes memory, uint256)
    {
        (CaseData storage c,, uint256 lane, bytes memory refusal) = _seatInPeriod(caseId, seat, juror, Period.Commit);
        if (refusal.length == 0 && (juror == address(0) || _jurorOnSeat(caseId, seat) != juror)) {
            refusal = abi.encodeWithSelector(CourtNotSeated.selector, caseId, seat, juror);
        }
        if (refusal.length != 0) return (refusal, 0);
        if (commitHash == 0) return (abi.encodeWithSelector(CourtInvalidCommit.selector), 0);
        uint32 bit = uint32(1 << lane);
        if (c.commits & bit != 0) return (abi.encodeWithSelector(CourtAlreadyCommitted.selector, caseId, seat), 0);
        c.commits |= bit; // the case's slot 0, read for the period anyway: no round slot touched
        return ("", c.round);
    }

    /// @dev Whether `signer` signed `digest`: an ECDSA signature recovering to it (an EOA, or an
    /// EIP-7702 account whose key signed), else ERC-1271 if it is a contract. ECDSA first: it
    /// spares each relayed vote the cold EXTCODESIZE that SignatureChecker reads first.
    function _signedBy(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return signer.code.length != 0 && SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }

    /// @dev The one reveal rule: the case in its reveal period, the seat committed and not yet
    /// revealed, and (juror, choice, salt) reproducing the seat's commit under a stored root. The
    /// juror comes with the reveal, not from storage: only the seat's juror could commit for it,
    /// and both the leaf and the commit hash bind the juror, so another address does not match.
    function _reveal(Reveal calldata rv) private returns (bytes memory) {
        uint256 caseId = rv.caseId;
        uint256 seat = rv.seat;
        uint8 choice = rv.choice;
        address juror = rv.juror;
        (CaseData storage c, Round storage r, uint256 lane, bytes memory refusal) =
            _seatInPeriod(caseId, seat, juror, Period.Reveal);
        if (refusal.length != 0) return refusal;
        if (choice > Choices.COUNT) return abi.encodeWithSelector(CourtInvalidChoice.selector, choice);
        if ((r.commits >> lane) & 1 == 0) return abi.encodeWithSelector(CourtNotCommitted.selector, caseId, seat);
        if ((r.reveals >> (2 * lane)) & 3 != 0) {
            return abi.encodeWithSelector(CourtAlreadyRevealed.selector, caseId, seat);
        }
        uint256 round = c.round;
        bytes32 leaf = commitLeaf(caseId, round, seat, juror, commitHashOf(caseId, round, juror, choice, rv.salt));
        if (!_commitRoots[MerkleProof.processProofCalldata(rv.proof, leaf)]) {
            return abi.encodeWithSelector(CourtRevealMismatch.selector, caseId, seat);
        }
        r.reveals |= uint64((uint256(choice) + 1) << (2 * lane));
        r.revealed += 1;
        if (choice == Choices.FIRST_PARTY) r.votesFirst += 1;
        else if (choice == Choices.SECOND_PARTY) r.votesSecond += 1;
        else r.votesRefuse += 1;
        emit VoteRevealed(caseId, round, seat, juror, choice);
        return "";
    }

    /// @dev The root of the Merkle tree over leaves[0..n) in OpenZeppelin's `makeMerkleTree`
    /// layout (leaf i at node 2n-2-i, node j = commutativeKeccak256(node 2j+1, node 2j+2)), the
    /// layout of the stock trees too: fairkey/crypto/merkle.py builds the same tree and proofs.
    function _rootOf(bytes32[] memory leaves, uint256 n) private pure returns (bytes32) {
        if (n == 1) return leaves[0];
        bytes32[] memory tree = new bytes32[](2 * n - 1);
        for (uint256 i; i < n; ++i) {
            tree[2 * n - 2 - i] = leaves[i];
        }
        for (uint256 j = n - 1; j > 0;) {
            --j;
            tree[j] = Hashes.commutativeKeccak256(tree[2 * j + 1], tree[2 * j + 2]);
        }
        return tree[0];
    }

    /// @dev The case, its current round and the seat's lane in it (0-based) if `seat` belongs to
    /// the current round and the case is in `period` (an unknown case reverts: nothing to skip
    /// to). `juror` only names the caller in a refusal.
    function _seatInPeriod(uint256 caseId, uint256 seat, address juror, Period period)
        private
        view
        returns (CaseData storage c, Round storage r, uint256 lane, bytes memory refusal)
    {
        c = _case(caseId);
        uint256 round = c.round;
        r = _round(caseId, round);
        if (c.period != period) {
            return (c, r, 0, abi.encodeWithSelector(CourtWrongPeriod.selector, caseId, c.period));
        }
        (uint256 first, uint256 count) = seatsOf(round);
        if (seat < first || seat >= first + count) {
            return (c, r, 0, abi.encodeWithSelector(CourtNotSeated.selector, caseId, seat, juror));
        }
        lane = seat - first;
    }

    function _caseRound(uint256 caseId) private view returns (uint256) {
        return _case(caseId).round;
    }
}
