"""Evidence is anchored as an event (URI and content hash), by a party itself or relayed for a
party who signed it; nobody else can anchor evidence in a case, and a signature anchors once."""

from __future__ import annotations

from eth_utils import keccak

from tests.support.disputes import reverts

URI = "fairkey-evidence://sha3/ab12"
CONTENT = keccak(b"screenshot bytes")


def test_a_party_anchors_evidence_and_a_stranger_cannot(world):
    world.add_jurors(3)
    _, case_id = world.contested_case()
    buyer = world.client(world.market.accounts["buyer"])
    event = buyer.submit_evidence(case_id, URI, CONTENT).event("Evidence")
    assert (
        event.args["party"] == world.market.address("buyer")
        and event.args["contentHash"] == CONTENT
    )
    with reverts("CourtNotParty"):
        world.client(world.market.accounts["stranger"]).submit_evidence(case_id, URI, CONTENT)


def test_relayed_evidence_is_bound_to_its_signer_and_anchors_once(world):
    world.add_jurors(3)
    _, case_id = world.contested_case()
    merchant = world.client(world.market.accounts["merchant"])
    signed = merchant.signed_evidence(case_id, URI, CONTENT, world.market.clock.now() + 600)
    relayer = world.client(world.market.accounts["stranger"])
    assert relayer.relay_evidence(signed).event("Evidence").args["party"] == world.market.address(
        "merchant"
    )
    with reverts("CourtEvidenceUsed"):
        relayer.relay_evidence(signed)
    altered = (*signed[:2], "fairkey-evidence://other", *signed[3:])
    with reverts("CourtInvalidSignature"):
        relayer.relay_evidence(altered)
    late = merchant.signed_evidence(case_id, URI, CONTENT, world.market.clock.now() - 1)
    with reverts("CourtSignatureExpired"):
        relayer.relay_evidence(late)
