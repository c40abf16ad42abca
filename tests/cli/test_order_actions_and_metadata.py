"""The CLI and the API answer from the same rules: `fairkey order show` lists exactly the actions
`GET /orders/{id}/actions` gives the same account (fairkey/flows/actions.py), and `fairkey listing
create --api` publishes the document whose hash it put on chain, which the API then shows as the
listing's title and description (fairkey/listing_meta.py)."""

from __future__ import annotations

import re

from fairkey.flows.actions import Kind
from tests.api.conftest import (  # noqa: F401 - fixtures
    index,
    index_url,
    layered,
    make_api,
    shop_layer,
    world,
)
from tests.cli.conftest import DEMO_LISTING_TERMS, LISTING_ARGS


def _shown_kinds(output: str) -> set[str]:
    """The action names in `order show`'s table of what you may do now."""
    table = output.split("may do now", 1)[1] if "may do now" in output else ""
    names = {k.value for k in Kind}
    cells = {c.strip() for line in table.splitlines() for c in line.split("│")}
    return names & cells


def test_order_show_lists_the_same_actions_as_the_api(cli, market, make_api, stocked_listing):  # noqa: F811
    api = make_api()
    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", "--all")
    for role in ("buyer", "merchant", "stranger"):
        shown = _shown_kinds(cli(role, "order", "show", order).output)
        answer = api.sign_in(market.accounts[role]).get(f"/orders/{order}/actions").json()
        assert shown == {a["kind"] for a in answer["actions"]}, role
    assert _shown_kinds(cli("buyer", "order", "show", order).output) == {
        "confirm", "dispute", "prove-misdelivery",
    }  # fmt: skip
    out = cli("buyer", "order", "show", order).output
    assert f"fairkey confirm {order}" in out
    assert "key-invalid" in out  # the dispute's reasons


def test_listing_create_publishes_its_description_to_the_api(cli, make_api, index):  # noqa: F811
    api = make_api()
    text = "全球通用的 Steam 充值卡\n50 美元"
    args = ("--description", text, "--lang", "zh-CN", "--api", api.url)
    out = cli("merchant", "listing", "create", *DEMO_LISTING_TERMS, *args).output
    assert "description published" in out, out
    listing_id = int(re.search(r"listing (\d+) created", out).group(1))
    index.catch_up()
    shown = api.client().get(f"/listings/{listing_id}").json()
    assert (shown["title"], shown["description"], shown["lang"]) == (
        "全球通用的 Steam 充值卡", "全球通用的 Steam 充值卡\n50 美元", "zh-CN",
    )  # fmt: skip
    assert shown["metadata_verified"] is True
    # Publishing again later needs the very same text: anything else is refused before sending.
    wrong = cli("merchant", "listing", "publish", str(listing_id), "--description", "other",
                "--api", api.url, code=1).output  # fmt: skip
    assert "give them exactly as when it was created" in wrong


def test_an_api_that_cannot_be_reached_leaves_the_listing_created(cli):
    out = cli("merchant", *LISTING_ARGS, "--api", "http://127.0.0.1:9").output
    assert "listing 1 created" in out and "fairkey listing publish 1" in out
