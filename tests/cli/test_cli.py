"""The `fairkey` command end to end on a real Anvil: the README walkthrough, then each command's
refusals and side paths. Every run is in-process (CliRunner) with real transactions."""

from __future__ import annotations

import re

import typer
from typer.core import TyperGroup

from fairkey.chain.types import ETH, OrderStatus, parse_order_ref
from fairkey.cli.main import app
from fairkey.flows.merchant import buyer_key_of, seal_unit
from tests.cli.conftest import LISTING_ARGS
from tests.support.market import BOND, DISPUTE_BOND, HOUR, PRICE

FEE_BPS = 100  # tests/conftest.py deploys with a 1% fee


def test_readme_walkthrough(cli, key_file, market):
    # Merchant: a listing.
    out = cli("merchant", *LISTING_ARGS).output
    assert "listing 1 created: 0.01 ETH per key, bond 0.005 ETH per key" in out

    # A supplier file with a duplicate line is refused whole, naming both lines.
    bad = key_file(
        "supplier-bad.txt", "AAAA-1111", "BBBB-2222", "CCCC-3333", "BBBB-2222", "DDDD-4444"
    )
    out = cli("merchant", "stock", "import", str(bad), "--supplier", "acme", code=1).output
    assert "line 4: duplicate of line 2" in out
    assert "nothing imported" in out
    good = key_file("supplier.txt", "AAAA-1111", "BBBB-2222", "CCCC-3333", "DDDD-4444", "EEEE-5555")
    out = cli("merchant", "stock", "import", str(good), "--supplier", "acme").output
    assert "imported 5 key(s) as batch 1" in out

    # Commit the batch on chain: root, count and bond (5 x 0.005 ETH).
    out = cli("merchant", "stock", "commit", "1", "--listing", "1").output
    assert re.search(r"root\s+0x[0-9a-f]{64}", out)
    assert re.search(r"keys\s+5", out) and re.search(r"bond\s+0.025 ETH", out)
    assert market.client("stranger").listing(1).stock_available == 5

    # Buyer pays; the merchant delivers from the vault.
    result = cli("buyer", "buy", "1")
    assert re.search(r"delivery deadline\s+20\d\d-.* UTC \(in 1 h\)", result.output)
    order = re.search(r"order (0x[0-9a-fA-F]{40}) paid", result.output).group(1)
    out = cli("merchant", "deliver", order).output
    assert f"order {order}: delivered key 0 of batch 1" in out

    # The buyer decrypts and checks the key.
    out = cli("buyer", "order", "show", order).output
    assert "DELIVERED" in out and "confirm deadline" in out and "(in 24 h)" in out
    assert "your key: AAAA-1111" in out
    assert "commitment ✓ fingerprint ✓" in out
    # Anyone else sees the order, not the key.
    out = cli("stranger", "order", "show", order).output
    assert "DELIVERED" in out and "AAAA-1111" not in out

    # Confirm: the merchant is paid (price - 1% fee) and gets the key's bond back.
    out = cli("buyer", "confirm", order).output
    assert "confirmed: the merchant receives 0.0099 ETH (fee 0.0001 ETH)" in out
    expected_credit = PRICE - PRICE * FEE_BPS // 10_000 + BOND
    assert market.credit("merchant") == expected_credit

    out = cli("merchant", "balance").output
    assert re.search(r"ETH\s*│\s*0.0149 ETH", out)
    out = cli("merchant", "withdraw").output
    assert "withdrew 0.0149 ETH" in out
    assert market.credit("merchant") == 0
    assert re.search(r"ETH\s*│\s*0 ETH", cli("merchant", "balance").output)

    out = cli("merchant", "stock", "list").output
    assert re.search(r"1\s*│\s*acme\s*│\s*1\s*│\s*committed\s*│\s*5\s*│\s*4\s*│\s*0\s*│\s*1", out)


def test_user_mistakes_are_one_clear_line(cli, stocked_listing):
    unknown = "0x" + "12" * 20
    out = cli("buyer", "order", "show", unknown, code=1).output
    assert "EscrowUnknownOrder" in out and "there is no order with this id" in out
    out = cli("buyer", "confirm", unknown, code=1).output
    assert "EscrowUnknownOrder" in out

    out = cli("buyer", "buy", "999", code=1).output
    assert "EscrowUnknownListing(listingId=999)" in out
    assert "there is no listing with this id" in out

    # Malformed input is a usage error (exit 2), still without a traceback.
    assert "not an order id" in cli("buyer", "order", "show", "0xnothex", code=2).output
    assert (
        "not a duration"
        in cli("merchant", *LISTING_ARGS, "--delivery-window", "soon", code=2).output
    )
    cli("buyer", "deliver", code=2)

    # The contract's own refusal, decoded: the buyer cannot deliver.
    order = cli.buy(stocked_listing)
    out = cli("buyer", "respond", order, "refund", code=1).output
    assert "belongs to merchant" in out
    out = cli("merchant", "confirm", order, code=1).output
    assert "was paid by" in out

    out = cli("merchant", "stock", "import", "/no/such/file.txt", "--supplier", "x", code=1).output
    assert "file not found: /no/such/file.txt" in out
    out = cli("merchant", "stock", "list", env={"FAIRKEY_VAULT_PASSPHRASE": "wrong"}, code=1).output
    assert "wrong vault passphrase" in out
    out = cli("stranger", "stock", "list", code=1).output
    assert "no key vault" in out

    out = cli("buyer", "balance", rpc="http://127.0.0.1:9", code=1).output
    assert "not reachable at http://127.0.0.1:9" in out and "make up" in out
    assert "no account to sign with" in cli(None, "balance", code=1).output


def test_debug_shows_the_traceback(cli):
    result = cli.runner.invoke(
        app,
        ["--home", str(cli.home), "--rpc", cli.rpc, "--debug", "--dev-account", "3", "buy", "999"],
    )
    assert result.exit_code == 1
    assert "EscrowUnknownListing" in result.output
    assert type(result.exception).__name__ == "ContractRevert"


def _command_paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*prefix, name))
    return paths


def test_help_on_every_command(cli):
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 20
    for path in paths:
        result = cli.runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output, path


def test_deliver_all_then_revoke_the_rest(cli, stocked_listing, market):
    orders = [cli.buy(stocked_listing), cli.buy(stocked_listing, role="buyer2")]
    out = cli("merchant", "deliver", "--all").output
    assert "2 of 2 paid order(s) delivered" in out
    for order in orders:
        status = market.client("stranger").order(parse_order_ref(order)).status
        assert status is OrderStatus.DELIVERED
    assert "no paid order is waiting" in cli("merchant", "deliver", "--all").output
    assert "already delivered" in cli("merchant", "deliver", orders[0]).output

    out = cli("merchant", "stock", "revoke", "1").output
    assert "3 key(s) off sale, 0.015 ETH bond credited" in out
    assert "3 unsold key(s) of batch 1 marked revoked" in out
    assert market.credit("merchant") == 3 * BOND
    out = cli("buyer", "buy", str(stocked_listing), code=1).output
    assert "no committed stock left" in out


def test_buyer_second_order_uses_the_next_key(cli, stocked_listing):
    first, second = cli.buy(stocked_listing), cli.buy(stocked_listing)
    assert first != second
    orders = (cli.home / "accounts").glob("*/orders.json")
    text = next(orders).read_text()
    assert '"index": 0' in text and '"index": 1' in text


def test_prove_correct_delivery_then_dispute_and_refund(cli, stocked_listing, market, tmp_path):
    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", order)
    out = cli("buyer", "prove", order).output
    assert "the delivery is correct (commitment ✓ fingerprint ✓): there is nothing to prove" in out

    evidence = tmp_path / "issuer-reply.txt"
    evidence.write_text("code already redeemed")
    out = cli(
        "buyer", "dispute", order, "--reason", "key-invalid", "--evidence", str(evidence)
    ).output
    assert "disputed (key-invalid); dispute bond 0.001 ETH deposited" in out
    assert "evidence hash on chain: 0x" in out
    out = cli("merchant", "respond", order, "refund").output
    assert "refunded: the buyer is credited 0.011 ETH" in out
    assert market.credit("buyer") == PRICE + DISPUTE_BOND


def test_respond_replace_sends_a_new_key(cli, stocked_listing):
    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", order)
    cli("buyer", "dispute", order, "--reason", "key-invalid")
    cli("merchant", "respond", order, "replace")
    out = cli("buyer", "order", "show", order).output
    assert "delivery 1" in out and "your key: KEY-1-ABCDE-FGHIJ" in out


def test_replace_refusal_is_clear_until_the_vault_supports_it(cli, stocked_listing):
    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", order)
    cli("buyer", "dispute", order, "--reason", "key-invalid")
    result = cli.runner.invoke(
        app,
        [
            "--home",
            str(cli.home),
            "--rpc",
            cli.rpc,
            "--dev-account",
            "2",
            "respond",
            order,
            "replace",
        ],
        env={"FAIRKEY_VAULT_PASSPHRASE": "correct horse battery staple"},
    )
    assert "Traceback" not in result.output
    if result.exit_code:
        assert "the vault cannot give this order a second key" in result.output


def test_deadline_actions(cli, stocked_listing, market):
    late = cli.buy(stocked_listing)
    out = cli("stranger", "refund-late", late, code=1).output
    assert "the delivery window is still open until" in out
    market.clock.advance(HOUR + 1)
    out = cli("stranger", "refund-late", late).output
    assert "refunded: the buyer is credited 0.015 ETH (compensation 0.005 ETH)" in out
    assert "REFUNDED" in cli("stranger", "order", "show", late).output

    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", order)
    assert "still open" in cli("stranger", "settle", order, code=1).output
    market.clock.advance(24 * HOUR + 1)
    out = cli("stranger", "settle", order).output
    assert "settled: the merchant is credited 0.0099 ETH" in out
    assert "COMPLETED" in cli("buyer", "order", "show", order).output


def test_erc20_listing_approves_automatically(cli, key_file, market):
    token = market.token_address
    buyer = market.session.with_account(market.accounts["buyer"])
    erc20 = buyer.contract("TestToken", token)
    buyer.send(erc20.functions.mint(market.address("buyer"), 100 * 10**6))
    merchant = market.session.with_account(market.accounts["merchant"])
    merchant.send(erc20.functions.mint(market.address("merchant"), 100 * 10**6))

    args = [a if a != "0.01" else "5" for a in LISTING_ARGS]
    out = cli("merchant", *args, "--token", "demo", "--bond", "1", "--dispute-bond", "0.5").output
    assert "5 dUSD per key, bond 1 dUSD per key" in out
    cli("merchant", "stock", "import", str(key_file("k.txt", "X-1", "X-2")), "--supplier", "s")
    out = cli("merchant", "stock", "commit", "1", "--listing", "1").output
    assert re.search(r"bond\s+2 dUSD", out)
    assert "5 dUSD" in cli("buyer", "listing", "show", "1").output
    order = cli.buy(1)
    cli("merchant", "deliver", order)
    cli("buyer", "confirm", order)
    assert market.client("stranger").credit_of(token, market.address("merchant")) == 5_950_000
    assert re.search(r"dUSD\s*│\s*5.95 dUSD", cli("merchant", "balance").output)
    assert "withdrew 5.95 dUSD" in cli("merchant", "withdraw", "--token", "demo").output
    assert market.client("stranger").credit_of(ETH, market.address("merchant")) == 0


def test_misdelivery_is_loud_and_provable(cli, market):
    """A merchant (outside the CLI) delivers other bytes than the committed key."""
    listing_id = market.make_listing()
    stock = market.make_stock(listing_id, 3)
    order = cli.buy(listing_id)
    order_id = parse_order_ref(order)
    unit = stock.take()
    wrong = seal_unit(
        order_id,
        buyer_key_of(market.client("stranger"), order_id),
        root=stock.root,
        index=unit.index,
        plaintext=unit.salt + b"USED-CODE-123",
        commitment=unit.commitment,
        fingerprint=unit.fingerprint,
    )
    market.client("merchant").deliver(order_id, wrong, stock.tree.proof(unit.index))

    out = cli("buyer", "order", "show", order).output
    assert "THE DELIVERED KEY DOES NOT CHECK OUT: commitment ✗ fingerprint ✗" in out
    assert f"fairkey prove {order}" in out
    out = cli("buyer", "confirm", order, code=1).output
    assert "does NOT check out" in out and f"fairkey prove {order}" in out

    out = cli("buyer", "prove", order).output
    assert "misdelivery proven on chain: 0.015 ETH credited to you (compensation 0.005 ETH)" in out
    assert market.credit("buyer") == PRICE + BOND
    assert "REFUNDED" in cli("buyer", "order", "show", order).output


def test_key_sold_elsewhere_then_revoked_batch_delivers_from_the_next(cli, key_file, market):
    """The supplier sold DUP-KEY twice: another merchant delivered it first."""
    other = market.make_listing("merchant2")
    other_stock = market.make_stock(other, 1, merchant="merchant2", keys=["DUP-KEY-77"])
    other_order, _ = market.make_order(other, "buyer2")
    market.deliver(other_order, other_stock, merchant="merchant2")

    listing_id = int(
        re.search(r"listing (\d+) created", cli("merchant", *LISTING_ARGS).output).group(1)
    )
    cli(
        "merchant",
        "stock",
        "import",
        str(key_file("a.txt", "DUP-KEY-77", "GOOD-1")),
        "--supplier",
        "shady",
    )
    cli("merchant", "stock", "import", str(key_file("b.txt", "GOOD-2")), "--supplier", "honest")
    cli("merchant", "stock", "commit", "1", "--listing", str(listing_id))
    cli("merchant", "stock", "commit", "2", "--listing", str(listing_id))
    order = cli.buy(listing_id)

    out = cli("merchant", "deliver", order, code=1).output
    assert "EscrowKeyAlreadyDelivered" in out and "stock revoke 1" in out
    cli("merchant", "stock", "revoke", "1")
    out = cli("merchant", "deliver", order).output
    assert "delivered key 0 of batch 2" in out
    assert "your key: GOOD-2" in cli("buyer", "order", "show", order).output


def test_lenient_import_skips_duplicates_in_file_and_vault(cli, key_file):
    cli("merchant", "stock", "import", str(key_file("a.txt", "K-1", "K-2")), "--supplier", "a")
    mixed = key_file("b.txt", "K-3", "K-1", "K-3", "K-4")
    out = cli("merchant", "stock", "import", str(mixed), "--supplier", "b", code=1).output
    assert "line 2: already in the vault (batch 1, unsold)" in out
    assert "line 3: duplicate of line 1" in out
    out = cli("merchant", "stock", "import", str(mixed), "--supplier", "b", "--lenient").output
    assert "imported 2 key(s) as batch 2 (2 duplicate(s), 0 invalid line(s))" in out
    long_name = "x" * 33
    assert (
        "at most 32 bytes"
        in cli("merchant", "stock", "import", str(mixed), "--supplier", long_name, code=2).output
    )


def test_private_key_from_the_environment(cli, market):
    key = market.accounts["buyer"].key.to_0x_hex()
    out = cli(None, "balance", env={"FAIRKEY_PRIVATE_KEY": key}).output
    assert f"balances of {market.address('buyer')}" in out
    out = cli(None, "balance", env={"FAIRKEY_PRIVATE_KEY": "0xnope"}, code=1).output
    assert "FAIRKEY_PRIVATE_KEY is not a valid private key" in out and "0xnope" not in out


def test_vault_passphrase_is_asked_when_not_in_the_environment(cli, key_file):
    no_env = {"FAIRKEY_VAULT_PASSPHRASE": None}
    keys = str(key_file("k.txt", "P-1"))
    cli(
        "merchant", "stock", "import", keys, "--supplier", "a", env=no_env, input="s3cret\ns3cret\n"
    )
    out = cli("merchant", "stock", "list", env=no_env, input="s3cret\n").output
    assert "s3cret" not in out and "committed" not in out and "draft" in out
    out = cli("merchant", "stock", "list", env=no_env, input="guess\n", code=1).output
    assert "wrong vault passphrase" in out
