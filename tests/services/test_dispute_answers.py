"""A buyer who disputes a valid key must not win by the merchant's silence (issue 8, section 2).

Real Anvil, the real key verifier and issuer simulator over HTTP, the real bot and keeper;
deadlines by moving the chain clock. The bot reads the verifier's signed "valid" and answers by
`verifier.on-valid`; a dispute left to "wait" is answered by `disputes.fallback` before its
response window ends, so the keeper never refunds price + dispute bond + the unit's bond.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from fastapi import FastAPI
from web3 import Web3

from fairkey.chain.types import DisputeReason, OrderStatus
from fairkey.flows.buyer import open_delivery
from fairkey.merchant.policy import MerchantPolicy
from fairkey.services.keeper import KeeperService
from fairkey.services.merchant_bot import MerchantBot
from fairkey.verifier.answers import CheckAnswer
from fairkey.verifier.client import VerifierClient
from tests.support.disputes import credited_since, credits, reverts
from tests.support.market import BOND, DISPUTE_BOND, HOUR, PRICE
from tests.support.serve import serve_in_thread as serve

EVIDENCE = Web3.keccak(text="the issuer says: code invalid")
ZERO = "0x0000000000000000000000000000000000000000"


def policy(text: str = "", **verifier: str) -> MerchantPolicy:
    extra = "".join(f'{key} = "{value}"\n' for key, value in verifier.items())
    return MerchantPolicy.from_toml(
        text + ("\n[verifier]\npoll-interval = 0\n" + extra if verifier else "")
    )


def bot_for(shop, rules: MerchantPolicy) -> MerchantBot:
    return MerchantBot(shop.client, shop.vault, rules, 0, home=shop.home)


def delivered(shop, bot: MerchantBot) -> tuple[int, str]:
    """One order, delivered by the bot; its key as the buyer decrypts it."""
    (order_id,) = shop.pay(1)
    assert bot.step().delivered == 1
    opened = open_delivery(shop.market.client("buyer"), order_id, shop.keys[order_id])
    assert opened.check.ok
    return order_id, opened.key_text


def disputed(shop, bot: MerchantBot, reason=DisputeReason.KEY_INVALID) -> tuple[int, str]:
    order_id, key = delivered(shop, bot)
    shop.market.client("buyer").dispute(order_id, reason, EVIDENCE)
    return order_id, key


def ask_verifier(market, url: str, order_id: int, key: str) -> dict:
    with VerifierClient(url) as client:
        return client.check_key(order_id, key, expect_verifier=market.address("verifier"))


def remove_court(market) -> None:
    owner = market.client("deployer")
    owner.session.send(owner.f.setArbitrator(ZERO))


def keeper_cannot_refund_with_the_bond(market, order_id: int) -> None:
    """Past every deadline the keeper finds no silent merchant to punish."""
    client = market.client("stranger")
    market.clock.advance_past(client.order(order_id).deadline)
    before = credits(market)
    KeeperService(client).step()
    assert client.order(order_id).status is not OrderStatus.DISPUTED
    gained = credited_since(market, before)
    assert gained.get("buyer", 0) < PRICE + DISPUTE_BOND + BOND  # never the silence refund


# ---------------------------------------------------------------------------- (a) verifier: valid


def off_chain_verifier(market, signer) -> FastAPI:
    """A verifier that signs "valid" for every current delivery but puts no verdict on chain
    (as when its submitVerdict did not get through): what `on-valid` is for."""
    app = FastAPI()

    @app.get("/orders/{order}/key-check")
    def signed_valid(order: str) -> dict:
        record, delivery_no = market.client("stranger").current_delivery(int(order, 16))
        answer = CheckAnswer(market.w3.eth.chain_id, market.escrow_address, int(order, 16),
                             delivery_no, record.fingerprint, "valid", 1)  # fmt: skip
        return {"answer": "valid", "signed": answer.to_json(answer.sign(signer.key))}

    return app


def test_a_key_the_verifier_finds_valid_is_delivered_and_the_merchant_gets_the_bond(
    make_shop, market, issuer, verifier_url
):
    """The default policy waits for the listing's verifier whatever the reason; its VALID
    verdict ends the dispute on chain, so the bot has nothing left to answer."""
    sim, _ = issuer
    shop = make_shop(stock=3)
    bot = bot_for(shop, policy(url=verifier_url))
    order_id, key = disputed(shop, bot, DisputeReason.NOT_AS_DESCRIBED)
    sim.set_keys({key: "valid"})
    assert bot.step().worked is False  # waiting for the verifier's verdict

    assert ask_verifier(market, verifier_url, order_id, key)["answer"] == "valid"
    order = shop.client.order(order_id)
    assert order.status is OrderStatus.DELIVERED and order.verdict_stands
    assert bot.step().worked is False  # no dispute left: no refund, no court case
    market.clock.advance_past(order.deadline)
    before = credits(market)
    KeeperService(market.client("stranger")).step()

    assert shop.status(order_id) is OrderStatus.COMPLETED
    fee = PRICE // 100
    assert credited_since(market, before) == {
        "merchant": PRICE - fee + BOND + DISPUTE_BOND,
        "treasury": fee,
    }


@pytest.mark.parametrize(("answer", "status"), [("valid", OrderStatus.DELIVERED),
                                                ("redeemed", OrderStatus.REFUNDED)])  # fmt: skip
def test_the_bot_sends_the_delivered_key_to_the_verifier_when_the_buyer_does_not(
    make_shop, market, issuer, verifier_url, answer, status
):
    """A buyer who lies about a working key never sends it to the verifier: the bot does (the
    verifier checks it is the key delivered on chain), so the lie ends by rule, not in court."""
    sim, _ = issuer
    shop = make_shop(stock=3)
    bot = bot_for(shop, policy(url=verifier_url, **{"on-verdict": "refund"}))
    order_id, key = disputed(shop, bot, DisputeReason.OTHER)
    sim.set_keys({key: answer})

    assert bot.step().worked is False  # waiting for the verdict; the key check is on its way
    bot.verifier.drain()
    bot.step()  # a bad key: the policy's on-verdict (refund); a valid one: nothing to answer

    assert shop.status(order_id) is status
    attested = market.client("stranger").events("VerifierAttested", orderId=order_id)
    assert [e.args["verdict"] for e in attested] == [3 if answer == "valid" else 2]


@pytest.mark.parametrize("on_valid", ["contest", "refund"])
def test_a_valid_answer_that_did_not_reach_the_chain_is_answered_by_on_valid(
    make_shop, market, on_valid
):
    shop = make_shop(stock=3)
    extra = {} if on_valid == "contest" else {"on-valid": on_valid}  # contest: the default
    with serve(off_chain_verifier(market, market.accounts["verifier"])) as url:
        bot = bot_for(shop, policy(url=url, **extra))
        order_id, _ = disputed(shop, bot)
        before = credits(market)
        report = bot.step()

    if on_valid == "contest":
        assert report.contested == 1
        assert shop.status(order_id) is OrderStatus.ARBITRATING
        with reverts("EscrowUnexpectedStatus"):
            market.client("stranger").refund_unanswered(order_id)
    else:
        assert report.refunded == 1
        assert shop.status(order_id) is OrderStatus.REFUNDED
        # price and dispute bond back; the unit's bond goes back to the merchant, not the buyer
        assert credited_since(market, before) == {
            "buyer": PRICE + DISPUTE_BOND,
            "merchant": BOND,
        }
    keeper_cannot_refund_with_the_bond(market, order_id)


def test_a_valid_answer_signed_by_anyone_but_the_listing_verifier_is_ignored(
    make_shop, market, issuer
):
    """A server that is not the listing's verifier cannot make the bot pay for a court case."""
    shop = make_shop(stock=3)
    forger = Account.create()
    app = FastAPI()

    @app.get("/orders/{order}/key-check")
    def forged(order: str) -> dict:
        record, delivery_no = market.client("stranger").current_delivery(int(order, 16))
        answer = CheckAnswer(market.w3.eth.chain_id, market.escrow_address, int(order, 16),
                             delivery_no, record.fingerprint, "valid", 1)  # fmt: skip
        return {"answer": "valid", "signed": answer.to_json(answer.sign(forger.key))}

    with serve(app) as url:
        bot = bot_for(shop, policy('[disputes]\nkey-invalid = "wait"\n', url=url))
        order_id, _ = disputed(shop, bot)
        report = bot.step()

    assert report.contested == 0 and report.failed == 0
    assert shop.status(order_id) is OrderStatus.DISPUTED


# ---------------------------------------------------------------------------- (b) wait: fallback


def test_a_waiting_dispute_without_a_verifier_answer_is_contested_before_the_window_ends(
    make_shop, market
):
    shop = make_shop(stock=3)  # response window 12 h
    with serve(FastAPI()) as silent:  # a verifier that answers nothing (404 to everything)
        rules = policy('[disputes]\nkey-invalid = "wait"\nanswer-before = "1h"\n', url=silent)
        bot = bot_for(shop, rules)
        order_id, _ = disputed(shop, bot)
        deadline = shop.client.order(order_id).deadline
        assert bot.step().worked is False

        market.clock.advance(
            deadline - HOUR - market.clock.now() - 60
        )  # a minute before the margin
        assert bot.step().worked is False
        assert shop.status(order_id) is OrderStatus.DISPUTED

        market.clock.advance(120)  # inside the last hour
        report = bot.step()

        assert report.contested == 1
        assert market.clock.now() < deadline
        assert shop.status(order_id) is OrderStatus.ARBITRATING
        assert [a["kind"] for a in report.alerts] == ["dispute-fallback"]
        keeper_cannot_refund_with_the_bond(market, order_id)


def test_without_a_court_the_fallback_refunds_and_keeps_the_units_bond(make_shop, market):
    shop = make_shop(stock=3)
    remove_court(market)
    bot = bot_for(shop, policy('[disputes]\nkey-invalid = "wait"\n'))  # fallback contest, 25 %
    order_id, _ = disputed(shop, bot)
    order = shop.client.order(order_id)
    market.clock.advance(order.deadline - 3 * HOUR - market.clock.now() - 60)
    assert bot.step().worked is False  # 25 % of 12 h = 3 h before the deadline: not yet

    market.clock.advance(120)
    before = credits(market)
    report = bot.step()

    assert report.refunded == 1 and report.failed == 0
    assert shop.status(order_id) is OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}


def test_the_default_policy_never_lets_a_contest_without_a_court_lapse(make_shop, market):
    """Default policy: contest not-as-described. With no court configured the contest cannot
    be sent; the bot neither fails on it nor stays silent: it refunds before the deadline."""
    shop = make_shop(stock=3)
    remove_court(market)
    bot = bot_for(shop, MerchantPolicy())
    order_id, _ = disputed(shop, bot, DisputeReason.NOT_AS_DESCRIBED)
    report = bot.step()
    assert report.worked is False and report.failed == 0

    market.clock.advance_past(shop.client.order(order_id).deadline - 3 * HOUR)
    assert bot.step().refunded == 1
    assert shop.status(order_id) is OrderStatus.REFUNDED


def test_a_contest_that_fails_is_answered_by_a_refund_before_the_deadline(make_shop, market):
    """The escrow names a court that does not work (here: a contract that is no court). The
    contest fails; after max-attempts the bot does not give up and let the window lapse: it
    refunds once the fallback is due."""
    shop = make_shop(stock=3)
    owner = market.client("deployer")
    owner.session.send(owner.f.setArbitrator(market.token_address))
    rules = '[disputes]\nnot-as-described = "contest"\n[bot]\nmax-attempts = 1\n'
    bot = bot_for(shop, policy(rules + "[verifier]\nwait-for-verdict = false\n"))
    order_id, _ = disputed(shop, bot, DisputeReason.NOT_AS_DESCRIBED)
    report = bot.step()
    assert report.contested == 0 and report.failed == 1
    assert [a["kind"] for a in report.alerts] == ["action-failed"]
    assert bot.step().failed == 0  # gave up for now: no transaction every step …
    assert order_id in bot.watch  # … but still answering the dispute

    market.clock.advance_past(shop.client.order(order_id).deadline - 3 * HOUR)
    report = bot.step()

    assert report.refunded == 1
    assert shop.status(order_id) is OrderStatus.REFUNDED


def test_merchant_run_reads_the_verifier_given_on_the_command_line(make_shop, market, tmp_path):
    from typer.testing import CliRunner

    from fairkey.cli.main import app
    from tests.services.conftest import PASSPHRASE

    shop = make_shop(stock=3)
    order_id, _ = disputed(shop, bot_for(shop, policy()))
    rules = tmp_path / "policy.toml"
    rules.write_text('[disputes]\nkey-invalid = "wait"\n')
    argv = ["--home", str(shop.home), "--rpc", market.w3.provider.endpoint_uri]
    argv += ["--dev-account", "2", "merchant", "run", "--once", "--policy", str(rules)]
    env = {"FAIRKEY_VAULT_PASSPHRASE": PASSPHRASE, "FAIRKEY_PRIVATE_KEY": None}

    bad = CliRunner().invoke(app, [*argv, "--verifier-url", "verifier.local"], env=env)
    assert bad.exit_code == 1 and "verifier.url: 'verifier.local'" in bad.output
    with serve(off_chain_verifier(market, market.accounts["verifier"])) as verifier_url:
        result = CliRunner().invoke(app, [*argv, "--verifier-url", verifier_url], env=env)

    assert result.exit_code == 0, result.output
    assert shop.status(order_id) is OrderStatus.ARBITRATING  # on-valid, read at that URL


def test_a_policy_set_while_running_answers_the_next_dispute(make_shop, market):
    """`MerchantBot.set_policy` (a reloaded policy file): the planner and the settler both answer
    with the new one from the next step on."""
    shop = make_shop(stock=3)
    no_verdicts = "[verifier]\nwait-for-verdict = false\n"  # the [disputes] answers decide
    bot = bot_for(shop, policy('[disputes]\nother = "wait"\n' + no_verdicts))
    order_id, _ = disputed(shop, bot, DisputeReason.OTHER)
    assert bot.step().refunded == 0  # waits (the fallback comes only near the deadline)
    bot.set_policy(policy('[disputes]\nother = "refund"\n' + no_verdicts))
    report = bot.step()
    assert report.refunded == 1 and report.failed == 0
    assert shop.status(order_id) is OrderStatus.REFUNDED
