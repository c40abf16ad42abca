"""Notifications: each signed-in address's stream of its orders' and court cases' events, read
from the index the real indexer writes over the test Anvil, served over real HTTP; on PostgreSQL
by several API processes, woken by the indexer's NOTIFY."""

from __future__ import annotations

import time

import httpx
import pytest

from api.notifications.hub import NotificationHub
from api.notifications.positions import Head, Position, after_reorgs
from arbitration.court_client import Choice
from fairkey.chain.types import order_id_hex
from indexer.config import IndexerConfig
from indexer.ingest import Indexer
from tests.api.conftest import PUBLIC_URL, personal_sign, siwe_message
from tests.api.notifications_support import api_process, bearer_of, sse

STREAM = "/notifications/stream"


def _order(market, buyer: str = "buyer", merchant: str = "merchant"):
    listing = market.make_listing(merchant)
    stock = market.make_stock(listing, 3, merchant=merchant)
    order_id, _ = market.make_order(listing, buyer)
    return order_id, stock


def _is(what: str, order_id: int):
    return lambda e: e.data.get("what") == what and e.data.get("order_id") == order_id_hex(order_id)


def test_the_buyer_and_the_merchant_hear_of_an_order_as_the_index_gets_it(api, world, index):
    m = world.market
    index.catch_up()
    buyer, merchant = api.sign_in(m.accounts["buyer"]), api.sign_in(m.accounts["merchant"])
    stranger = api.sign_in(m.accounts["stranger"])
    with (
        sse(api.url + STREAM, bearer_of(buyer)) as b,
        sse(api.url + STREAM, bearer_of(merchant)) as s,
    ):
        ready = b.ready()
        s.ready()
        assert ready.data["address"] == m.address("buyer").lower()
        order_id, stock = _order(m)
        m.deliver(order_id, stock)
        assert b.quiet(0.5) == []  # mined, not indexed yet: the index is the truth

        index.catch_up()
        heard = b.until(_is("delivered", order_id))
        assert [(e.event, e.data["what"], e.data["status"]) for e in heard] == [
            ("order", "paid", "Paid"),
            ("order", "delivered", "Delivered"),
        ]
        assert all(e.data["roles"] == ["buyer"] for e in heard)
        sold = s.until(_is("delivered", order_id))
        assert [e.id for e in sold] == [e.id for e in heard]
        assert all(e.data["roles"] == ["merchant"] for e in sold)
        # Each id is the event's chain position, in chain order.
        positions = [Position.parse(e.id).key for e in heard]
        assert positions == sorted(positions)
        assert positions[0] == (heard[0].data["block_number"], heard[0].data["log_index"])

    page = stranger.get("/notifications", params={"after": ready.id}).json()
    assert page["notifications"] == []  # not its order


def test_a_client_that_reconnects_with_its_last_event_id_loses_nothing(api, world, index):
    m = world.market
    index.catch_up()
    buyer = api.sign_in(m.accounts["buyer"])
    with sse(api.url + STREAM, bearer_of(buyer)) as first:
        first.ready()
        order_id, stock = _order(m)
        index.catch_up()
        [paid] = first.until(_is("paid", order_id))

    # Away: delivered and confirmed meanwhile.
    m.deliver(order_id, stock)
    m.client("buyer").confirm(order_id)
    index.catch_up()
    with sse(api.url + STREAM, {**bearer_of(buyer), "Last-Event-ID": paid.id}) as again:
        assert again.ready().id == paid.id
        missed = again.until(_is("completed", order_id))
    assert [e.data["what"] for e in missed] == ["delivered", "completed"]

    # The same, as pages: what a client that polls reads.
    page = buyer.get("/notifications", params={"after": paid.id}).json()
    assert [n["id"] for n in page["notifications"]] == [e.id for e in missed]
    assert page["next"] == missed[-1].id
    assert buyer.get("/notifications", params={"after": page["next"]}).json()["notifications"] == []


def test_a_juror_hears_it_was_drawn_and_its_cases_steps_never_the_other_jurors_votes(
    api, world, case, index
):
    index.catch_up()
    juror, other = case.panel[0], case.panel[1]
    mine = api.sign_in(juror)
    page = mine.get("/notifications", params={"after": "0-*-0"}).json()["notifications"]
    drawn = [n for n in page if n["what"] == "drawn"]
    assert len(drawn) == 1 and drawn[0]["roles"] == ["juror"]
    assert drawn[0]["case_id"] == case.case_id and drawn[0]["court"] == world.court.address.lower()

    with sse(api.url + STREAM, bearer_of(mine)) as stream:
        stream.ready()
        world.market.clock.advance(world.params.evidence_period + 1)
        world.court.pass_period(case.case_id)
        world.vote(case.case_id, {j.address: Choice.REFUND_BUYER for j in (juror, other)})
        index.catch_up()
        heard = stream.until(lambda e: e.data.get("what") == "vote-committed")
        assert [(e.data["what"], e.data["detail"]) for e in heard] == [
            ("period-changed", "Commit"),
            ("vote-committed", None),
        ]
        assert stream.quiet(0.5) == []  # the other juror's commit is not for this juror
    # The buyer, a party, hears of the period too, and of no juror's commit.
    buyer_page = api.sign_in(case.buyer).get("/notifications", params={"after": "0-*-0"}).json()
    whats = [n["what"] for n in buyer_page["notifications"] if n["kind"] == "case"]
    assert "period-changed" in whats and "vote-committed" not in whats and "drawn" not in whats


def test_a_stream_needs_a_session_a_cookie_or_a_ticket(api, world, index):
    m = world.market
    index.catch_up()
    with sse(api.url + STREAM) as anonymous:
        assert anonymous.status == 401
        assert "not-signed-in" in anonymous.body
    with sse(api.url + STREAM + "?ticket=nonsense") as forged:
        assert forged.status == 401

    # A browser page of the API's own origin: its EventSource sends the session cookie.
    nonce = api.nonce()
    message = siwe_message(m.accounts["buyer"], nonce)
    signed = api.client().post(
        "/auth/verify",
        json={"message": message, "signature": personal_sign(m.accounts["buyer"], message)},
    )
    cookie = {"fairkey_session": signed.cookies["fairkey_session"]}
    with sse(api.url + STREAM, cookies=cookie) as by_cookie:
        assert by_cookie.ready().data["address"] == m.address("buyer").lower()

    # Any other client: a ticket bought with the session, in the URL.
    buyer = api.sign_in(m.accounts["buyer"])
    ticket = buyer.post("/notifications/ticket").json()
    assert ticket["stream"] == f"{STREAM}?ticket={ticket['ticket']}"
    with sse(api.url + ticket["stream"]) as by_ticket:
        assert by_ticket.ready().data["address"] == m.address("buyer").lower()
    assert buyer.post("/auth/logout").status_code == 204
    with sse(api.url + ticket["stream"]) as after_logout:
        assert after_logout.status == 401  # the ticket's session ended


def test_signing_out_ends_an_open_stream(api, world, index):
    index.catch_up()
    api.app.state.notifications = NotificationHub.create(
        api.state, api.state.settings.model_copy(update={"notify_session_check_s": 0.2})
    )
    buyer = api.sign_in(world.market.accounts["buyer"])
    with sse(api.url + STREAM, bearer_of(buyer)) as stream:
        stream.ready()
        assert buyer.post("/auth/logout").status_code == 204
        assert stream.next(timeout=10).event == "end"


def test_an_event_id_this_api_never_gave_is_refused(api, world, index):
    index.catch_up()
    buyer = api.sign_in(world.market.accounts["buyer"])
    with sse(api.url + STREAM, {**bearer_of(buyer), "Last-Event-ID": "yesterday"}) as stream:
        assert stream.status == 422 and "invalid-event-id" in stream.body
    answer = buyer.get("/notifications", params={"after": "12"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_after_a_reorg_below_what_was_sent_the_stream_rewinds_to_the_ancestor(api, world, index):
    m = world.market
    listing = m.make_listing()
    m.make_stock(listing, 3)
    index.catch_up()
    buyer = api.sign_in(m.accounts["buyer"])
    with sse(api.url + STREAM, bearer_of(buyer)) as stream:
        stream.ready()
        gone, _ = m.make_order(listing)
        index.catch_up()
        [paid] = stream.until(_is("paid", gone))
        m.w3.provider.make_request("anvil_reorg", [1, []])  # the payment's block, replaced
        kept, _ = m.make_order(listing)
        index.catch_up()
        heard = stream.until(_is("paid", kept))
    reorg, new = heard[0], heard[-1]
    assert reorg.event == "reorg" and reorg.data["ancestor"] == paid.data["block_number"] - 1
    assert Position.parse(reorg.id).reorgs == 1
    assert [e.event for e in heard[1:-1]] == []  # the vanished payment is not sent again
    assert Position.parse(new.id).reorgs == 1


# ---------------------------------------------------------------------------- PostgreSQL


def _sign_in(url: str, account) -> dict:
    client = httpx.Client(base_url=url, timeout=30)
    with client:
        nonce = client.post("/auth/nonce").json()["nonce"]
        message = siwe_message(account, nonce)
        answer = client.post(
            "/auth/verify",
            json={
                "message": message,
                "signature": personal_sign(account, message),
                "session": "bearer",
            },
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_two_api_processes_on_one_postgresql_index_both_hear_an_order_at_once(
    world, anvil, deployed, pg_url, tmp_path
):
    """The indexer's NOTIFY wakes both processes: with polls 2 minutes apart, the event still
    arrives within a second or two of the commit."""
    m = world.market
    _, deployment = deployed
    config = IndexerConfig(
        rpc_url=anvil.url, db_url=pg_url, escrow=m.escrow_address, start_block=deployment.block
    )
    env = {
        "FAIRKEY_API_RPC_URL": anvil.url,
        "FAIRKEY_API_HOME": str(tmp_path / "home"),
        "FAIRKEY_API_COURT_ADDRESS": world.court.address,
        "FAIRKEY_API_COURT_FROM_BLOCK": "0",
        "FAIRKEY_API_ESCROW_ADDRESS": m.escrow_address,
        "FAIRKEY_API_INDEX_DB_URL": pg_url,
        "FAIRKEY_API_DB_URL": pg_url,  # the store is shared too: a session works on both
        "FAIRKEY_API_PUBLIC_URL": PUBLIC_URL,
        "FAIRKEY_API_SIGNIN_BURST": "1000",
        "FAIRKEY_API_NOTIFY_POLL_S": "120",
        "FAIRKEY_API_NOTIFY_PG_POLL_S": "120",
    }
    with Indexer(config) as indexer:
        indexer.backfill()
        with (
            api_process(
                {**env, "FAIRKEY_API_DATA_DIR": str(tmp_path / "a")}, tmp_path / "a.log"
            ) as a,
            api_process(
                {**env, "FAIRKEY_API_DATA_DIR": str(tmp_path / "b")}, tmp_path / "b.log"
            ) as b,
        ):
            token = _sign_in(a.url, m.accounts["buyer"])  # signed in on A, streaming from both
            with sse(a.url + STREAM, token) as on_a, sse(b.url + STREAM, token) as on_b:
                assert on_a.ready().data["wakeup"] == on_b.ready().data["wakeup"] == "listen"
                order_id, _ = _order(m)
                assert on_b.quiet(1.0) == []
                indexer.backfill()
                committed = time.monotonic()
                [paid_b] = on_b.until(_is("paid", order_id), timeout=10)
                [paid_a] = on_a.until(_is("paid", order_id), timeout=10)
    assert paid_a.id == paid_b.id
    assert paid_b.at - committed < 2.0 and paid_a.at - committed < 2.0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_page_and_the_stream_read_the_same_index_on_both_databases(
    make_api, world, anvil, deployed, backend, request
):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    m = world.market
    _, deployment = deployed
    config = IndexerConfig(
        rpc_url=anvil.url, db_url=url, escrow=m.escrow_address, start_block=deployment.block
    )
    with Indexer(config) as indexer:
        indexer.backfill()
        api = make_api(index_db_url=url)
        buyer = api.sign_in(m.accounts["buyer"])
        with sse(api.url + STREAM, bearer_of(buyer)) as stream:
            ready = stream.ready()
            assert ready.data["wakeup"] == ("poll" if backend == "sqlite" else "listen")
            order_id, stock = _order(m)
            m.deliver(order_id, stock)
            indexer.backfill()
            heard = stream.until(_is("delivered", order_id))
        page = buyer.get("/notifications", params={"after": ready.id}).json()
    assert [n["id"] for n in page["notifications"]] == [e.id for e in heard]


def test_event_ids_are_chain_positions_and_a_reorg_rewinds_only_what_it_replaced():
    assert Position.parse("120-3-0").key == (120, 3)
    assert Position.parse("120-3-0").event_id == "120-3-0"
    assert Position.through(7, 1).event_id == "7-*-1" == Position.parse("7-*-1").event_id
    at = Position(120, 3, 0)
    assert after_reorgs(at, Head(125, 0, None)) is None  # no reorg since
    assert after_reorgs(at, Head(125, 1, 118)) == Position.through(118, 1)
    assert after_reorgs(at, Head(125, 1, 120)) == Position(120, 3, 1)  # it replaced only above
    # Several reorgs unseen: only the last ancestor is known, so a finality depth further back.
    assert after_reorgs(at, Head(125, 3, 119)) == Position.through(119 - 64, 3)
