"""The vote relayer: takes the signed commits and the reveals jurors posted to the API and sends
them to the court in batches (`commitSigned`, `reveal`), paying the gas; marks each one sent with
its transaction, or refused with the court's reason (its VoteRefused events).

It cannot forge or alter a vote: the court checks every commit's EIP-712 signature against the
seat's juror and every reveal against the seat's commit, so a changed or invented item is
refused on chain like any other (and a refused item never blocks the rest of its batch). The
relayer holds no juror key; its account only pays gas.

Each pending item is sorted first (`sort_commit`, `sort_reveal`: pure):
- **send** — its period is open now;
- **wait** — a commit signed in the evidence period waits for the commit period;
- **landed** — the chain already holds exactly this vote (a resend after a crash, or the juror
  sent it directly): marked sent without a transaction;
- **drop** — it can never land (its period is over, the case does not exist, the seat holds
  another vote): marked refused with the reason, without a transaction.

Its queue is the API's vote store (arbitration/relay_queue.py adapts it), read and written
through the `VoteQueue` interface below: this package never imports the API.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from arbitration.court_client import CaseView, CourtClient, Period
from arbitration.court_logs import CourtLogs
from fairkey.chain.errors import ContractRevert

log = logging.getLogger("fairkey.relayer")

BATCH = 50  # votes per transaction (a commit costs ~40k gas: far below a block)
SCAN = 500  # pending items read per pass


class VoteQueue(Protocol):
    """Pending items come oldest first, each with an `id`; `after` pages past the last one read."""

    def pending_commits(
        self, *, now: int | None = None, limit: int = 100, after: int = 0
    ) -> list[Any]: ...

    def pending_reveals(self, *, limit: int = 100, after: int = 0) -> list[Any]: ...

    def mark_submitted(self, items: Iterable[Any], tx_hash: str | None) -> int: ...

    def mark_refused(self, refused: Sequence[tuple[Any, str]], tx_hash: str | None) -> int: ...


class Sort(enum.Enum):
    SEND = "send"
    WAIT = "wait"
    LANDED = "landed"
    DROP = "drop"


def sort_commit(item: Any, case: CaseView | None, stored: bytes) -> tuple[Sort, str]:
    """Where a pending commit goes: its case as the chain shows it (None: no such case) and the
    commit stored for its seat."""
    if case is None:
        return Sort.DROP, f"the court has no case {item.case_id}"
    if any(stored):
        if "0x" + stored.hex() == item.commit_hash.lower():
            return Sort.LANDED, "already on chain"
        return Sort.DROP, f"seat {item.seat} already committed another vote"
    if case.round == item.round and case.period == Period.EVIDENCE:
        return Sort.WAIT, "the commit period has not begun"
    if case.round == item.round and case.period == Period.COMMIT:
        return Sort.SEND, ""
    return Sort.DROP, f"the commit period of round {item.round} ended before it was relayed"


def sort_reveal(item: Any, case: CaseView | None, vote: tuple[bool, bool, int]) -> tuple[Sort, str]:
    """Where a pending reveal goes, given the seat's (committed, revealed, choice) on chain."""
    committed, revealed, choice = vote
    if case is None:
        return Sort.DROP, f"the court has no case {item.case_id}"
    if revealed:
        if choice == item.choice:
            return Sort.LANDED, "already revealed"
        return Sort.DROP, f"seat {item.seat} already revealed another choice"
    if case.round == item.round and case.period < Period.REVEAL:
        return Sort.WAIT, "the reveal period has not begun"
    if case.round != item.round or case.period != Period.REVEAL:
        return Sort.DROP, f"the reveal period of round {item.round} ended before it was relayed"
    if not committed:
        return Sort.DROP, f"seat {item.seat} committed no vote"
    return Sort.SEND, ""


@dataclass
class RelayStep:
    sent: dict[str, int] = field(default_factory=lambda: {"commit": 0, "reveal": 0})
    refused: int = 0
    landed: int = 0
    waiting: int = 0
    txs: list[str] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        return bool(self.txs or self.refused or self.landed)


class Relayer:
    def __init__(
        self, court: CourtClient, queue: VoteQueue, batch: int = BATCH, from_block: int = 0
    ) -> None:
        self.court = court
        self.queue = queue
        self.batch = batch
        self.logs = CourtLogs(court, from_block)  # where each seat's commit landed

    def step(self) -> RelayStep:
        """One pass: sort what is pending, send one batch of commits and one of reveals."""
        done = RelayStep()
        now = int(self.court.session.w3.eth.get_block("latest")["timestamp"])
        cases: dict[int, CaseView | None] = {}
        commits = self._collect(
            lambda after: self.queue.pending_commits(now=now, limit=SCAN, after=after),
            lambda i: sort_commit(i, self._case(cases, i.case_id), self._stored(i)),
            done,
        )
        reveals = self._collect(
            lambda after: self.queue.pending_reveals(limit=SCAN, after=after),
            lambda i: sort_reveal(i, self._case(cases, i.case_id), self._vote(i)),
            done,
        )
        if commits:
            self._send("commit", commits, done)
        if reveals:
            self._send("reveal", reveals, done)
        return done

    # ------------------------------------------------------------------ internals

    def _collect(self, page: Any, sort: Any, done: RelayStep) -> list[Any]:
        """A batch of items to send, reading the queue page by page: votes that wait (signed in
        the evidence period) never hide the sendable ones behind them."""
        to_send: list[Any] = []
        after = 0
        while len(to_send) < self.batch:
            items = page(after)
            if not items:
                break
            to_send += self._sorted(items, sort, done)
            after = items[-1].id
            if len(items) < SCAN:
                break
        return to_send[: self.batch]

    def _sorted(self, items: list[Any], sort: Any, done: RelayStep) -> list[Any]:
        to_send, landed, dropped = [], [], []
        for item in items:
            where, why = sort(item)
            if where == Sort.SEND:
                to_send.append(item)
            elif where == Sort.WAIT:
                done.waiting += 1
            elif where == Sort.LANDED:
                landed.append(item)
            else:
                dropped.append((item, why))
        if landed:
            done.landed += self.queue.mark_submitted(landed, None)
        if dropped:
            for item, why in dropped:
                log.info("dropped the vote of case %d seat %d: %s", item.case_id, item.seat, why)
            done.refused += self.queue.mark_refused(dropped, None)
        return to_send

    def _case(self, cache: dict[int, CaseView | None], case_id: int) -> CaseView | None:
        if case_id not in cache:
            case = self.court.case(case_id)  # an unknown case reads as zeros
            cache[case_id] = None if int(case.arbitrable, 16) == 0 else case
        return cache[case_id]

    def _stored(self, item: Any) -> bytes:
        """The commit hash on the seat (its VoteCommitted log), zeros if it has none."""
        if not self.court.vote_of(item.case_id, item.seat)[0]:
            return bytes(32)
        commitment = self.logs.commitment(item.case_id, item.seat)
        return commitment.commit_hash if commitment else b"\xff" * 32

    def _vote(self, item: Any) -> tuple[bool, bool, int]:
        return tuple(self.court.vote_of(item.case_id, item.seat))

    def _reveal(self, item: Any) -> tuple:
        """The item's reveal with the proof of its seat's commit (sorted SEND: it has one)."""
        commitment = self.logs.commitment(item.case_id, item.seat)
        return item.as_reveal(commitment.proof if commitment else [])

    def _send(self, kind: str, items: list[Any], done: RelayStep) -> None:
        try:
            if kind == "commit":
                result = self.court.relay_commits([i.as_signed_commit() for i in items])
            else:
                result = self.court.reveal([self._reveal(i) for i in items])
        except ContractRevert as exc:
            if len(items) == 1:  # a batch of one reverts with the refusal (nothing was sent)
                log.info("the court refuses the %s of case %d seat %d: %s", kind,
                         items[0].case_id, items[0].seat, exc)  # fmt: skip
                done.refused += self.queue.mark_refused([(items[0], str(exc))], None)
                return
            # The whole batch reverted (an item naming a case the court never opened): one by
            # one, so each item gets its own answer and the good ones still land.
            for item in items:
                self._send(kind, [item], done)
            return
        tx_hash = "0x" + result.receipt["transactionHash"].hex().removeprefix("0x")
        refusals = self.court.refusals(result)
        accepted, refused = [], []
        for item in items:
            reason = refusals.get((item.case_id, item.seat))
            if reason is None:
                accepted.append(item)
            else:
                refused.append((item, str(reason)))
        self.queue.mark_submitted(accepted, tx_hash)
        if refused:
            done.refused += self.queue.mark_refused(refused, tx_hash)
        done.sent[kind] += len(accepted)
        done.txs.append(tx_hash)
        log.info("relayed %d %s(s) in %s (%d refused)", len(accepted), kind, tx_hash, len(refused))
