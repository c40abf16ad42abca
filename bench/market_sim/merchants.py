"""The merchants: each runs the real auto-delivery bot (fairkey/services/merchant_bot) on its
own vault and listing. A population differs only where it must:

- honest: valid keys, the bot's policy as configured (`merchant_policy`);
- sloppy: a supplier batch in which a share of the keys is already redeemed at the issuer;
- fraud_resold: keys it sold elsewhere (the issuer says redeemed), and it contests every dispute
  and verdict to keep the money — until the court has ruled against it `GIVE_UP_AFTER` times: a
  fraudster pays a court fee per try and learns (it then answers as the protocol's defaults);
- fraud_wrong: its vault hands the bot, for a share of the orders, a unit whose plaintext is
  another key than the committed one (`WrongKeyVault`, the one seam in the bot's input);
- fraud_vanish: its bot stops for good on `vanish_day`, with paid orders open.

Keys are deterministic (the seed, the merchant, the index), and so is their issuer state.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from eth_account.signers.local import LocalAccount

from bench.common import demo_listing_terms
from bench.market_sim.populations import MerchantMix
from bench.market_sim.world import World
from fairkey.chain.types import DisputeReason, ListingTerms
from fairkey.crypto.keys import normalise_key
from fairkey.merchant.policy import DisputeAnswer, MerchantPolicy, VerdictAnswer
from fairkey.services.merchant_bot import MerchantBot
from fairkey.vault import Vault, VaultError
from fairkey.vault.cipher import KdfParams

# The buyer's dispute bond covers the court's first-round fee (3 seats x fee_per_juror): the
# buyer never pays more than it at a first round, so a smaller bond leaves the honest winner of a
# first round short of the fee it advanced (docs/fairness.md, "dispute bond").
DISPUTE_BOND = 3 * 10**15
GIVE_UP_AFTER = 3  # court losses after which a fraudulent merchant stops contesting
PASSPHRASE = "market simulation"
KDF = KdfParams(n=1024)  # a cheap scrypt: the vaults live for one run


def listing_terms(verifier: str) -> ListingTerms:
    """The demo listing's terms, with a dispute bond that covers a first-round court fee."""
    return demo_listing_terms(verifier, dispute_bond=DISPUTE_BOND)


def merchant_policy(population: str, verifier_url: str, overrides: dict | None = None):
    """The bot's policy: the protocol's defaults (plus `overrides`) for honest and sloppy shops;
    fraudulent ones contest everything the court can take. The verifier is read every step
    (poll_interval 0: chain time, not wall time, paces the run)."""
    policy = MerchantPolicy(verifier_url=verifier_url, poll_interval=0.0)
    if overrides:
        policy = replace(policy, **overrides)
    if population.startswith("fraud"):
        contest_all = {reason: DisputeAnswer.contest for reason in DisputeReason if reason.value}
        policy = replace(policy, disputes=contest_all, on_verdict=VerdictAnswer.contest)
    return policy


class WrongKeyVault(Vault):
    """A vault that, for the orders `wrong(order_id)` picks, hands out another key than the
    committed one under the committed unit's commitment and proof (a provable misdelivery)."""

    wrong: staticmethod  # set per instance: order id -> bool

    def assign_units(self, listing_id, order_ids, *, delivery_no=0):
        found = super().assign_units(listing_id, order_ids, delivery_no=delivery_no)
        for order_id, unit in found.items():
            if not isinstance(unit, VaultError) and self.wrong(order_id, delivery_no):
                salt = unit.plaintext[:32]
                other = normalise_key(f"WRONG-{unit.key.decode()}")
                found[order_id] = replace(unit, plaintext=salt + other)
        return found


@dataclass
class MerchantAgent:
    name: str
    mix: MerchantMix
    account: LocalAccount
    listing_id: int
    vault: Vault
    bot: MerchantBot
    stopped: bool = False
    woken: bool = True  # an event for its bot since its last step (a payment, a dispute)
    idle_steps: int = 0
    court_losses: int = 0  # final rulings against it so far (the loop counts them)

    WAKE_EVERY = 6  # steps a quiet bot at least every this many ticks (its own timers)

    @property
    def population(self) -> str:
        return self.mix.population

    def step(self, chain_day: float) -> None:
        """One bot step, unless the merchant has vanished."""
        if self.mix.vanish_day is not None and chain_day >= self.mix.vanish_day:
            self.stopped = True
        if self.stopped:
            return
        # The bot's run loop steps every second; here it steps when the chain has news for it
        # (the loop knows every payment and dispute it made), when it waits on a dispute, and
        # every few ticks anyway: the same answers, without a full scan of idle ticks.
        self.idle_steps += 1
        if self.woken or self.bot.watch or self.idle_steps >= self.WAKE_EVERY:
            self.woken = False
            self.idle_steps = 0
            self.bot.step()
            # The bot sends keys to the verifier on a background thread, which real time gives
            # a second or two; the simulation moves the clock an hour at once, so it waits for
            # those sends here. Otherwise a loaded machine's late verdict lands after the jump,
            # expired (EscrowAttestationExpired), and a seed's run is no longer reproducible.
            if self.bot.verifier is not None:
                self.bot.verifier.drain()

    def lost_in_court(self, default_policy: MerchantPolicy, give_up_after: int | None) -> None:
        """A final ruling went against it; a fraudster that keeps losing stops contesting
        (`give_up_after` None: never — the stubborn adversary of `bench.market --stubborn`)."""
        self.court_losses += 1
        if self.population.startswith("fraud") and self.court_losses == give_up_after:
            self.bot.set_policy(
                replace(
                    self.bot.policy,
                    disputes=default_policy.disputes,
                    on_verdict=default_policy.on_verdict,
                )
            )

    def close(self) -> None:
        self.bot.close()
        self.vault.close()


def stock_keys(world: World, name: str, count: int) -> list[str]:
    """`count` distinct, deterministic keys for merchant `name`."""
    rng = random.Random(f"{world.seed}.{name}.keys")
    return [f"{name.upper()}-{i:05d}-{rng.randbytes(6).hex().upper()}" for i in range(count)]


def open_shop(
    world: World,
    name: str,
    mix: MerchantMix,
    stock: int,
    rng: random.Random,
    *,
    policy_overrides: dict | None = None,
) -> MerchantAgent:
    """Account, listing, vault with `stock` committed keys (issuer states set), and its bot."""
    account = world.account(f"merchant.{name}")
    client = world.escrow_as(account)
    listing_id = client.create_listing(listing_terms(world.verifier.address))
    keys = stock_keys(world, name, stock)
    states = {k: ("redeemed" if rng.random() < mix.redeemed_share else "valid") for k in keys}
    world.issuer.set_keys(states)
    folder = world.home / "merchants" / name
    folder.mkdir(parents=True, exist_ok=True)
    vault_cls = WrongKeyVault if mix.wrong_share else Vault
    vault = vault_cls.create(folder / "vault.sqlite", PASSPHRASE, kdf=KDF)
    if mix.wrong_share:
        vault.wrong = _picker(world.seed, name, mix.wrong_share)
    stock_file = folder / "stock.txt"
    stock_file.write_text("".join(f"{k}\n" for k in keys))
    report = vault.import_file(stock_file, f"{name}-supplier")
    plan = vault.plan_batch(report.batch_id, account.address)
    tx = client.commit_stock(listing_id, plan.root, plan.count, plan.supplier)
    vault.mark_committed(plan.batch_id, listing_id, tx.receipt["transactionHash"].hex())
    policy = merchant_policy(mix.population, world.verifier_url, policy_overrides)
    from_block = world.deployment.block
    bot = MerchantBot(client, vault, policy, from_block, home=folder)
    return MerchantAgent(name, mix, account, listing_id, vault, bot)


def _picker(seed: int, name: str, share: float):
    """Whether an order's delivery gets a wrong key: a pure function of the seed and the ids."""

    def wrong(order_id: int, delivery_no: int) -> bool:
        return random.Random(f"{seed}.{name}.{order_id}.{delivery_no}").random() < share

    return wrong


def open_shops(
    world: World,
    mixes: Sequence[MerchantMix],
    orders: int,
    rng: random.Random,
    policy_overrides: dict | None = None,
) -> list[MerchantAgent]:
    """Every merchant of the mix, each stocked for its expected share of `orders` (with room
    for replacements)."""
    total_weight = sum(m.count * m.weight for m in mixes)
    shops = []
    for mix in mixes:
        for i in range(mix.count):
            expected = orders * mix.weight / total_weight
            stock = int(expected * 1.5) + 20
            name = f"{mix.population}-{i}"
            shops.append(open_shop(world, name, mix, stock, rng, policy_overrides=policy_overrides))
    return shops
