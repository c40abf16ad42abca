// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CourtLedger} from "./CourtLedger.sol";
import {ICourt} from "../interfaces/ICourt.sol";
import {StakeTree} from "../libraries/StakeTree.sol";
import {CourtParams, JurorStake, JurorSeat} from "../types/CourtTypes.sol";

/// @notice The juror pool: stakes, the sortition tree and the locks that back open seats.
/// The tree is frozen while any panel waits to be drawn (`_pendingDraws` > 0): from the moment a
/// round asks for randomness until its panel is seated, a stake change only queues, so nobody
/// who sees the random value can move stake onto the seat it will pick.
abstract contract CourtJurors is CourtLedger {
    using StakeTree for StakeTree.Tree;

    StakeTree.Tree private _tree;
    mapping(address juror => JurorStake) private _stakes;
    mapping(address juror => JurorSeat) private _seats;
    mapping(uint256 id => address juror) internal _jurorOfId;
    /// Rounds that asked for randomness and are not yet fully drawn (or aborted).
    uint256 internal _pendingDraws;

    constructor(CourtParams memory p) CourtLedger(p) {}

    /// @inheritdoc ICourt
    function setStake(uint256 target) external payable nonReentrant {
        JurorStake storage s = _stakes[msg.sender];
        uint256 staked = s.staked;
        if (target != 0 && target < MIN_STAKE) revert CourtBelowMinStake(target, MIN_STAKE);
        if (target > type(uint112).max) revert CourtBelowMinStake(target, type(uint112).max);
        JurorSeat storage seat = _seats[msg.sender];
        if (seat.id == 0) {
            if (target == 0) revert CourtBelowMinStake(0, MIN_STAKE); // nothing to leave
            uint256 id = _tree.append();
            seat.id = uint32(id);
            _jurorOfId[id] = msg.sender;
        }
        if (target < staked) {
            if (s.openSeats != 0) revert CourtJurorSeated(msg.sender, s.openSeats);
            s.staked = uint112(target);
            _credit(STAKE_TOKEN, msg.sender, staked - target);
        } else {
            s.staked = uint112(target);
        }
        seat.inPool = target != 0;
        bool queued = _pendingDraws != 0;
        if (queued) seat.queued = true;
        else _syncWeight(msg.sender, seat);
        emit StakeSet(msg.sender, target, queued);
        _collectStake(target > staked ? target - staked : 0);
    }

    /// @inheritdoc ICourt
    function applyStake(address juror) external {
        JurorSeat storage seat = _seats[juror];
        if (!seat.queued) revert CourtNothingQueued(juror);
        if (_pendingDraws != 0) revert CourtDrawsPending(_pendingDraws);
        _syncWeight(juror, seat);
        emit StakeSet(juror, _stakes[juror].staked, false);
    }

    /// @inheritdoc ICourt
    function stakeOf(address juror) external view returns (JurorStake memory) {
        return _stakes[juror];
    }

    /// @inheritdoc ICourt
    function weightOf(address juror) external view returns (uint256 weight, uint256 total) {
        return (uint256(_seats[juror].weight) * STAKE_QUANTUM, uint256(_tree.total) * STAKE_QUANTUM);
    }

    /// @inheritdoc ICourt
    function candidate(uint256 random) external view returns (address juror) {
        (, juror) = _candidate(random);
    }

    // ------------------------------------------------------------------ internals

    /// @dev A candidate for `random` (its tree id and address): a juror drawn with probability
    /// weight / total, or (0, address(0)) if the pool is empty.
    function _candidate(uint256 random) internal view returns (uint256 id, address juror) {
        if (_tree.total == 0) return (0, address(0));
        id = _tree.draw(random);
        juror = _jurorOfId[id];
    }

    /// @dev Whether the juror's free stake backs one more seat.
    function _canSit(address juror) internal view returns (bool) {
        JurorStake storage s = _stakes[juror];
        return uint256(s.staked) >= uint256(s.locked) + LOCK_PER_SEAT;
    }

    function _lockSeat(address juror) internal {
        JurorStake storage s = _stakes[juror];
        s.locked += uint112(LOCK_PER_SEAT);
        s.openSeats += 1;
    }

    /// @dev Releases one seat's lock; if `forfeit`, the locked stake is lost (the caller pays it
    /// to the coherent jurors) and, if `leave`, the juror also leaves the pool (their remaining
    /// stake stays theirs: `setStake(0)` credits it).
    function _releaseSeat(address juror, bool forfeit, bool leave) internal {
        JurorStake storage s = _stakes[juror];
        s.locked -= uint112(LOCK_PER_SEAT);
        s.openSeats -= 1;
        if (!forfeit) return;
        s.staked -= uint112(LOCK_PER_SEAT);
        JurorSeat storage seat = _seats[juror];
        if (leave) seat.inPool = false;
        if (_pendingDraws != 0) seat.queued = true;
        else _syncWeight(juror, seat);
    }

    /// @dev The tree's weight for the juror := its stake in quanta while in the pool, else 0.
    function _syncWeight(address juror, JurorSeat storage seat) private {
        uint256 target = seat.inPool ? _stakes[juror].staked / STAKE_QUANTUM : 0;
        uint256 weight = seat.weight;
        if (target > weight) _tree.add(seat.id, target - weight);
        else if (target < weight) _tree.sub(seat.id, weight - target);
        seat.weight = uint112(target);
        seat.queued = false;
    }
}
