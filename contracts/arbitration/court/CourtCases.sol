// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CourtJurors} from "./CourtJurors.sol";
import {ICourt} from "../interfaces/ICourt.sol";
import {IRandomness} from "../interfaces/IRandomness.sol";
import {IArbitrable} from "../../interfaces/IArbitrable.sol";
import {IArbitrator} from "../../interfaces/IArbitrator.sol";
import {Period, Choices, CourtParams, CaseData, Round} from "../types/CourtTypes.sol";

/// @notice Cases from escalation to payout: drawing panels, periods, appeals, the final ruling
/// sent to the arbitrable, and each round's rewards and penalties.
///
/// Money (docs/arbitration.md, "Who pays"): the party that escalates advances round 0's fee (the
/// escrow forwards the merchant's); whoever wins round 0 is made whole by the escrow (the buyer's
/// dispute bond goes to a winning merchant). An appeal is funded by the loser of the round; the
/// winner may fund the same amount to defend. In the end the loser bears the fees: a funded
/// defence is refunded to the final winner and the final loser's deposit pays the jurors; an
/// undefended appeal is paid by the appellant whatever the outcome. Coherent jurors share the
/// round's fee and the stake locked by incoherent and absent ones; if nobody was coherent the fee
/// goes back to whoever paid it and the forfeited stake to the two parties. Nothing ever goes to
/// an owner (there is none).
abstract contract CourtCases is CourtJurors {
    /// Draw attempts per seat before a round is declared unseatable.
    uint256 internal constant ATTEMPTS_PER_SEAT = 10;

    IRandomness public immutable randomness;

    uint256 private _caseCount;
    mapping(uint256 caseId => CaseData) private _cases;
    mapping(uint256 caseId => mapping(uint256 round => Round)) private _rounds;
    /// Juror ids by seat, eight 32-bit ids per word (seat s is word s/8, lane s%8).
    mapping(uint256 caseId => mapping(uint256 word => uint256 ids)) private _seatWords;
    constructor(CourtParams memory p, IRandomness randomness_) CourtJurors(p) {
        randomness = randomness_;
    }

    // ------------------------------------------------------------------ ERC-792

    /// @inheritdoc IArbitrator
    function arbitrationCost(bytes calldata) public view returns (uint256) {
        return FEE_PER_JUROR * 3;
    }

    /// @inheritdoc ICourt
    function appealCost(uint256 caseId, bytes calldata) public view returns (uint256) {
        CaseData storage c = _case(caseId);
        if (c.round + 1 >= ROUNDS) return type(uint256).max;
        (, uint256 seats) = seatsOf(c.round + 1);
        return FEE_PER_JUROR * seats;
    }

    /// @inheritdoc ICourt
    function appealPeriod(uint256 caseId) external view returns (uint256 start, uint256 loserEnd, uint256 end) {
        CaseData storage c = _case(caseId);
        if (c.period != Period.Appeal) return (0, 0, 0);
        start = c.periodStart;
        return (start, start + APPEAL_PERIOD / 2, start + APPEAL_PERIOD);
    }

    /// @inheritdoc ICourt
    function currentRuling(uint256 caseId) external view returns (uint256) {
        return _case(caseId).ruling;
    }

    /// @notice Opens a case for the calling arbitrable. `extraData` = abi.encode(buyer, merchant)
    /// or abi.encode(buyer, merchant, feePayer): the parties (never drawn) and who advanced the
    /// fee (refunded to it if the court cannot rule). Pays arbitrationCost exactly.
    function createDispute(uint256 choices, bytes calldata extraData) external payable returns (uint256 caseId) {
        if (choices != Choices.COUNT) revert CourtBadParams();
        _requireFee(arbitrationCost(extraData));
        (address buyer, address merchant) = abi.decode(extraData, (address, address));
        address feePayer = extraData.length >= 96 ? abi.decode(extraData[64:96], (address)) : msg.sender;
        if (buyer == address(0) || merchant == address(0) || buyer == merchant) revert CourtBadParams();
        caseId = ++_caseCount;
        CaseData storage c = _cases[caseId];
        c.arbitrable = IArbitrable(msg.sender);
        c.buyer = buyer;
        c.merchant = merchant;
        Round storage r = _rounds[caseId][0];
        r.feePayer = feePayer;
        r.fee = uint96(msg.value);
        emit DisputeCreation(caseId, msg.sender);
        emit CaseOpened(caseId, buyer, merchant, feePayer, msg.value);
        _openRound(caseId, c, 0);
    }

    // ------------------------------------------------------------------ drawing

    /// @inheritdoc ICourt
    function draw(uint256 caseId, uint256 iterations) external {
        CaseData storage c = _case(caseId);
        if (c.period != Period.Evidence) revert CourtWrongPeriod(caseId, c.period);
        uint256 roundNo = c.round;
        Round storage r = _rounds[caseId][roundNo];
        uint256 drawn = r.drawn;
        uint256 seats = r.seats;
        if (drawn == seats) revert CourtPanelDrawn(caseId);
        (uint256 value, bool ready, bool expired) = randomness.valueOf(r.ticket);
        if (expired) {
            uint256 ticket = randomness.request();
            r.ticket = uint64(ticket);
            emit RandomnessRerequested(caseId, roundNo, ticket);
            return;
        }
        if (!ready) revert CourtRandomnessNotReady(caseId, r.ticket);

        (uint256 first,) = seatsOf(roundNo);
        uint256 attempts = r.attempts;
        uint256 maxAttempts = seats * ATTEMPTS_PER_SEAT;
        address buyer = c.buyer;
        address merchant = c.merchant;
        for (uint256 i; i < iterations && drawn < seats && attempts < maxAttempts; ++i) {
            (uint256 id, address juror) = _candidate(uint256(keccak256(abi.encode(value, attempts))));
            ++attempts;
            if (juror == address(0)) {
                attempts = maxAttempts; // empty pool: nothing to try
                break;
            }
            if (juror == buyer || juror == merchant || !_canSit(juror)) continue;
            if (_isOnCase(c, caseId, first + drawn, id)) continue;
            _seat(c, caseId, first + drawn, id);
            _lockSeat(juror);
            emit JurorDrawn(caseId, roundNo, first + drawn, juror);
            ++drawn;
        }
        r.drawn = uint8(drawn);
        r.attempts = uint16(attempts);
        if (drawn == seats) {
            --_pendingDraws;
        } else if (attempts >= maxAttempts) {
            _abortRound(caseId, c, r, roundNo, first, drawn);
        }
    }

    // ------------------------------------------------------------------ periods

    /// @inheritdoc ICourt
    function passPeriod(uint256 caseId) external nonReentrant {
        CaseData storage c = _case(caseId);
        uint256 roundNo = c.round;
        Round storage r = _rounds[caseId][roundNo];
        Period period = c.period;
        uint256 start = c.periodStart;
        if (period == Period.Evidence) {
            if (r.drawn < r.seats) revert CourtPanelNotDrawn(caseId, r.drawn, r.seats);
            _requireElapsed(caseId, start + EVIDENCE_PERIOD);
            _enter(caseId, c, roundNo, Period.Commit);
        } else if (period == Period.Commit) {
            uint32 commits = c.commits;
            uint256 committed = _popcount(commits);
            if (committed < r.seats) _requireElapsed(caseId, start + COMMIT_PERIOD);
            r.commits = commits;
            r.committed = uint8(committed);
            c.commits = 0;
            _enter(caseId, c, roundNo, Period.Reveal);
        } else if (period == Period.Reveal) {
            if (r.revealed < r.committed) _requireElapsed(caseId, start + REVEAL_PERIOD);
            uint8 ruling = _tally(r, c.ruling);
            c.ruling = ruling;
            emit RoundRuled(caseId, roundNo, ruling);
            if (roundNo + 1 >= ROUNDS) _execute(caseId, c);
            else _enter(caseId, c, roundNo, Period.Appeal);
        } else if (period == Period.Appeal) {
            _requireElapsed(caseId, start + APPEAL_PERIOD);
            Round storage next = _rounds[caseId][roundNo + 1];
            if (next.feePayer != address(0)) {
                c.round = uint8(roundNo + 1);
                _openRound(caseId, c, roundNo + 1);
            } else {
                _execute(caseId, c);
            }
        } else {
            revert CourtWrongPeriod(caseId, period);
        }
    }

    /// @inheritdoc ICourt
    function appeal(uint256 caseId, bytes calldata extraData) external payable {
        CaseData storage c = _case(caseId);
        if (c.period != Period.Appeal) revert CourtWrongPeriod(caseId, c.period);
        if (c.round + 1 >= ROUNDS) revert CourtNoMoreAppeals(caseId);
        bool isBuyer = msg.sender == c.buyer;
        if (!isBuyer && msg.sender != c.merchant) revert CourtNotParty(caseId, msg.sender);
        uint256 cost = appealCost(caseId, extraData);
        _requireFee(cost);
        Round storage next = _rounds[caseId][c.round + 1];
        uint256 start = c.periodStart;
        if (next.feePayer == address(0)) {
            uint8 ruling = c.ruling;
            bool loser = ruling == Choices.REFUSE || (ruling == Choices.FIRST_PARTY) != isBuyer;
            if (!loser) revert CourtNotLoser(caseId, msg.sender);
            if (block.timestamp >= start + APPEAL_PERIOD / 2) revert CourtTooLate(caseId, start + APPEAL_PERIOD / 2);
            next.feePayer = msg.sender;
            next.fee = uint96(cost);
            emit AppealFunded(caseId, c.round, msg.sender, cost, false);
        } else {
            if (next.defender != address(0) || msg.sender == next.feePayer) revert CourtAppealFunded(caseId);
            if (block.timestamp >= start + APPEAL_PERIOD) revert CourtTooLate(caseId, start + APPEAL_PERIOD);
            next.defender = msg.sender;
            next.defenderDeposit = uint96(cost);
            emit AppealFunded(caseId, c.round, msg.sender, cost, true);
        }
    }

    // ------------------------------------------------------------------ payouts

    /// @inheritdoc ICourt
    function settle(uint256 caseId, uint256 round, uint256 count) external nonReentrant {
        CaseData storage c = _case(caseId);
        if (c.period != Period.Executed) revert CourtNotExecuted(caseId);
        if (round > c.round) revert CourtNothingToSettle(caseId, round);
        Round storage r = _rounds[caseId][round];
        uint256 settled = r.settled;
        uint256 drawn = r.drawn;
        if (r.aborted || settled == drawn) revert CourtNothingToSettle(caseId, round);
        uint8 ruling = c.ruling;
        uint256 coherent = _votesFor(r, ruling);
        uint256 penalties = (drawn - coherent) * LOCK_PER_SEAT;
        uint256 fee = r.fee;
        if (settled == 0) {
            fee = _payDeposits(caseId, round, c, r, ruling, coherent, penalties);
            r.fee = uint96(fee); // from now on: the jurors' pot (later chunks pay from it)
        }
        (uint256 first,) = seatsOf(round);
        uint256 end = settled + count < drawn ? settled + count : drawn;
        uint256 reveals = r.reveals;
        for (uint256 s = settled; s < end; ++s) {
            address juror = _jurorOnSeat(caseId, first + s);
            uint256 mark = (reveals >> (2 * s)) & 3; // 0 = not revealed, else 1 + choice
            bool revealed = mark != 0;
            bool isCoherent = revealed && mark - 1 == ruling;
            _releaseSeat(juror, !isCoherent, !revealed);
            if (!revealed) emit JurorLeftPool(juror, caseId);
            uint256 feeShare;
            uint256 stakeShare;
            if (isCoherent) {
                feeShare = fee / coherent;
                stakeShare = penalties / coherent;
                _credit(address(0), juror, feeShare);
                _credit(STAKE_TOKEN, juror, stakeShare);
            }
            emit SeatSettled(caseId, round, first + s, juror, isCoherent, feeShare, stakeShare);
        }
        r.settled = uint8(end);
    }

    /// @inheritdoc ICourt
    function submitEvidence(uint256 caseId, string calldata uri, bytes32 contentHash) external {
        _anchorEvidence(caseId, msg.sender, uri, contentHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICourt
    function caseData(uint256 caseId) external view returns (CaseData memory) {
        return _cases[caseId];
    }

    /// @inheritdoc ICourt
    function roundOf(uint256 caseId, uint256 round) external view returns (Round memory) {
        return _rounds[caseId][round];
    }

    /// @inheritdoc ICourt
    function jurorAt(uint256 caseId, uint256 seat) external view returns (address) {
        return _jurorOnSeat(caseId, seat);
    }

    /// @inheritdoc ICourt
    function seatsOf(uint256 round) public pure returns (uint256 first, uint256 count) {
        // Round r has 2^(r+2) - 1 seats (3, 7, 15, 31); the rounds before it hold 2^(r+2) - 4 - r.
        count = (uint256(1) << (round + 2)) - 1;
        first = (uint256(1) << (round + 2)) - 4 - round;
    }

    /// @inheritdoc ICourt
    function voteOf(uint256 caseId, uint256 seat) external view returns (bool committed, bool revealed, uint8 choice) {
        for (uint256 roundNo; roundNo < MAX_ROUNDS; ++roundNo) {
            (uint256 first, uint256 count) = seatsOf(roundNo);
            if (seat >= first + count) continue;
            if (seat < first) break;
            Round storage r = _rounds[caseId][roundNo];
            CaseData storage c = _cases[caseId];
            uint256 commits = roundNo == c.round && c.period == Period.Commit ? c.commits : r.commits;
            uint256 lane = seat - first;
            uint256 mark = (r.reveals >> (2 * lane)) & 3;
            return ((commits >> lane) & 1 == 1, mark != 0, mark == 0 ? 0 : uint8(mark - 1));
        }
    }

    /// @inheritdoc ICourt
    function caseCount() external view returns (uint256) {
        return _caseCount;
    }

    // ------------------------------------------------------------------ internals

    function _case(uint256 caseId) internal view returns (CaseData storage c) {
        c = _cases[caseId];
        if (address(c.arbitrable) == address(0)) revert CourtUnknownCase(caseId);
    }

    function _round(uint256 caseId, uint256 round) internal view returns (Round storage) {
        return _rounds[caseId][round];
    }

    function _jurorOnSeat(uint256 caseId, uint256 seat) internal view returns (address) {
        return _jurorOfId[_idOnSeat(caseId, seat)];
    }

    /// @dev The tree id on a seat: round 0's three seats live in the case's merchant slot
    /// (`firstPanel`, a slot written anyway: no new slot per case), later ones eight per word.
    function _idOnSeat(uint256 caseId, uint256 seat) internal view returns (uint256) {
        if (seat < 3) return (_cases[caseId].firstPanel >> (seat * 32)) & 0xffffffff;
        return (_seatWords[caseId][seat >> 3] >> ((seat & 7) * 32)) & 0xffffffff;
    }

    function _seat(CaseData storage c, uint256 caseId, uint256 seat, uint256 id) private {
        if (seat < 3) c.firstPanel |= uint96(id << (seat * 32));
        else _seatWords[caseId][seat >> 3] |= id << ((seat & 7) * 32);
    }

    /// @dev Whether tree id `id` already sits on one of the case's seats 0..seatsSoFar-1 (one seat
    /// per juror per case, across rounds; at most 56 seats: the first panel and 7 words).
    function _isOnCase(CaseData storage c, uint256 caseId, uint256 seatsSoFar, uint256 id)
        private
        view
        returns (bool)
    {
        for (uint256 packed = c.firstPanel; packed != 0; packed >>= 32) {
            if (packed & 0xffffffff == id) return true;
        }
        if (seatsSoFar <= 3) return false;
        uint256 words = (seatsSoFar + 7) >> 3;
        for (uint256 w; w < words; ++w) {
            uint256 packed = _seatWords[caseId][w];
            for (uint256 lane; lane < 8 && packed != 0; ++lane) {
                if (packed & 0xffffffff == id) return true;
                packed >>= 32;
            }
        }
        return false;
    }

    function _popcount(uint256 bits) private pure returns (uint256 n) {
        for (; bits != 0; ++n) bits &= bits - 1;
    }

    /// @dev Evidence from a party of a case not yet executed, anchored as an event (URI and content
    /// hash; the content stays off chain).
    function _anchorEvidence(uint256 caseId, address party, string calldata uri, bytes32 contentHash) internal {
        CaseData storage c = _case(caseId);
        if (party != c.buyer && party != c.merchant) revert CourtNotParty(caseId, party);
        if (c.period == Period.Executed) revert CourtWrongPeriod(caseId, c.period);
        emit Evidence(caseId, party, uri, contentHash);
    }

    function _openRound(uint256 caseId, CaseData storage c, uint256 roundNo) private {
        Round storage r = _rounds[caseId][roundNo];
        (, uint256 seats) = seatsOf(roundNo);
        uint256 ticket = randomness.request();
        r.seats = uint8(seats);
        r.ticket = uint64(ticket);
        ++_pendingDraws;
        c.period = Period.Evidence;
        c.periodStart = uint40(block.timestamp);
        emit RoundOpened(caseId, roundNo, seats, ticket);
        emit PeriodChanged(caseId, roundNo, Period.Evidence);
    }

    function _enter(uint256 caseId, CaseData storage c, uint256 roundNo, Period period) private {
        c.period = period;
        c.periodStart = uint40(block.timestamp);
        emit PeriodChanged(caseId, roundNo, period);
    }

    function _requireElapsed(uint256 caseId, uint256 until) private view {
        if (block.timestamp < until) revert CourtTooEarly(caseId, until);
    }

    /// @dev The pool cannot seat the panel. Round 0: the court refuses to rule (choice 0, which
    /// the escrow executes as a split) and refunds the fee. A later round: the appeal is void, its
    /// deposits are refunded and the previous ruling is executed. Seated jurors are released.
    function _abortRound(uint256 caseId, CaseData storage c, Round storage r, uint256 roundNo, uint256 first, uint256 drawn)
        private
    {
        --_pendingDraws;
        r.aborted = true;
        for (uint256 s; s < drawn; ++s) {
            _releaseSeat(_jurorOnSeat(caseId, first + s), false, false);
        }
        _credit(address(0), r.feePayer, r.fee);
        _credit(address(0), r.defender, r.defenderDeposit);
        emit RoundAborted(caseId, roundNo, drawn, r.seats);
        if (roundNo != 0) c.round = uint8(roundNo - 1);
        _execute(caseId, c);
    }

    /// @dev Sends the final ruling; a refusal by the arbitrable (the order was closed by a proof
    /// or by the stall timeout meanwhile) is recorded, never a stuck case.
    function _execute(uint256 caseId, CaseData storage c) private {
        c.period = Period.Executed;
        c.periodStart = uint40(block.timestamp);
        uint8 ruling = c.ruling;
        emit PeriodChanged(caseId, c.round, Period.Executed);
        bool accepted;
        try c.arbitrable.rule(caseId, ruling) {
            accepted = true;
        } catch {}
        emit CaseExecuted(caseId, ruling, accepted);
    }

    /// @dev The round's ruling: the choice with most revealed votes; a tie between the leaders is
    /// a refusal (0); no revealed vote leaves the previous ruling standing.
    function _tally(Round storage r, uint8 previous) private view returns (uint8) {
        uint256 a = r.votesRefuse;
        uint256 b = r.votesFirst;
        uint256 d = r.votesSecond;
        if (a + b + d == 0) return previous;
        if (b > a && b > d) return Choices.FIRST_PARTY;
        if (d > a && d > b) return Choices.SECOND_PARTY;
        return Choices.REFUSE; // most votes to refuse, or a tie
    }

    function _votesFor(Round storage r, uint8 choice) private view returns (uint256) {
        if (choice == Choices.FIRST_PARTY) return r.votesFirst;
        if (choice == Choices.SECOND_PARTY) return r.votesSecond;
        return r.votesRefuse;
    }

    /// @dev Once per round, before its seats are paid: which deposit pays the jurors, what is
    /// refunded, and where the money goes if nobody was coherent. Returns the jurors' fee pot.
    function _payDeposits(
        uint256 caseId,
        uint256 round,
        CaseData storage c,
        Round storage r,
        uint8 ruling,
        uint256 coherent,
        uint256 penalties
    ) private returns (uint256 fee) {
        fee = r.fee;
        address payer = r.feePayer;
        if (r.defender != address(0)) {
            // Both sides funded: the final loser pays; a split leaves it with the appellant.
            bool appellantWon = ruling != Choices.REFUSE && (ruling == Choices.FIRST_PARTY) == (payer == c.buyer);
            if (appellantWon) {
                _credit(address(0), payer, fee);
                fee = r.defenderDeposit;
                payer = r.defender;
            } else {
                _credit(address(0), r.defender, r.defenderDeposit);
            }
        }
        if (coherent == 0) {
            _credit(address(0), payer, fee);
            uint256 half = penalties / 2;
            _credit(STAKE_TOKEN, c.merchant, half);
            _credit(STAKE_TOKEN, c.buyer, penalties - half);
            emit NoCoherentJuror(caseId, round);
            return 0;
        }
        // Integer-division dust goes back to whoever paid, so every wei is accounted for.
        _credit(address(0), payer, fee % coherent);
        _credit(STAKE_TOKEN, payer, penalties % coherent);
    }
}
