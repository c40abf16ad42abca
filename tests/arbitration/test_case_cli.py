"""`fairkey case …`: a party of a court case anchors evidence and appeals (or defends) a ruling
from the CLI, on the real chain and court; what the court refuses comes back as a sentence."""

from __future__ import annotations

from eth_utils import keccak

from arbitration.court_client import Choice, Period
from arbitration.court_logs import CourtLogs

EVIDENCE = b"Screenshot text: the activation page said 'code already used'.\n"


def _ruled(world, choice: Choice) -> int:
    """A contested case whose first round ruled `choice` and now waits in its appeal period."""
    world.add_jurors(5)
    _, case_id = world.contested_case()
    panel = world.draw_all(case_id)
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)
    world.vote(case_id, dict.fromkeys(panel, choice))
    world.court.pass_period(case_id)  # everyone committed
    world.reveal(case_id, dict.fromkeys(panel, choice))
    world.court.pass_period(case_id)  # everyone revealed
    assert world.court.case(case_id).period == Period.APPEAL
    return case_id


def test_a_party_anchors_evidence_it_hosts_and_a_stranger_cannot(world, fk, tmp_path):
    world.add_jurors(3)
    _, case_id = world.contested_case()
    path = tmp_path / "activation.txt"
    path.write_bytes(EVIDENCE)
    uri = "https://files.example/activation.txt"

    out = fk("buyer", "case", "evidence", str(case_id), str(path), "--uri", uri).output
    assert "anchored activation.txt" in out and keccak(EVIDENCE).hex() in out
    (anchor,) = CourtLogs(world.court).evidence(case_id)
    assert (anchor.uri, anchor.content_hash) == (uri, keccak(EVIDENCE))
    assert anchor.party == world.market.accounts["buyer"].address

    refused = fk("stranger", "case", "evidence", str(case_id), str(path), "--uri", uri, code=1)
    assert "is not a party of case" in refused.output
    neither = fk("buyer", "case", "evidence", str(case_id), str(path), code=1)
    assert "--api URL" in neither.output and "--uri URL" in neither.output


def test_the_loser_appeals_and_the_winner_defends_from_the_cli(world, fk):
    case_id = _ruled(world, Choice.PAY_MERCHANT)  # the buyer lost round 0
    early = fk("merchant", "case", "appeal", str(case_id), code=1)
    assert "won this round" in early.output  # the winner cannot open the appeal

    appealed = fk("buyer", "case", "appeal", str(case_id)).output
    assert f"funded the appeal of case {case_id}: round 1, 7 jurors" in appealed
    defended = fk("merchant", "case", "appeal", str(case_id)).output
    assert f"funded the defence of case {case_id}" in defended
    next_round = world.court.round(case_id, 1)
    assert next_round.fee_payer == world.market.accounts["buyer"].address
    assert next_round.defender == world.market.accounts["merchant"].address
    assert next_round.fee == next_round.defender_deposit == world.court.appeal_cost(case_id)

    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    assert world.court.case(case_id).round == 1
    late = fk("buyer", "case", "appeal", str(case_id), code=1)
    assert "evidence period" in late.output and "appeal period" in late.output
