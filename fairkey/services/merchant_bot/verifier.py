"""The merchant bot and the listing verifier: it sends the verifier the delivered key of a
disputed order, and reads whether the verifier found it valid.

A buyer who lies about a working key will not send it to the verifier, so the bot does
(`send_key`): the merchant holds the key, and the verifier only checks a key whose fingerprint is
the one delivered on chain, so the merchant cannot pass off another. The verifier's verdict goes
on chain (VALID: the order is delivered again; INVALID / REDEEMED: the bot's `on-verdict`). The
sends run on a background thread: a step never waits on the issuer.

Should a "valid" not reach the chain, the bot reads the verifier's signed answer
(`GET /orders/{order}/key-check`, fairkey/verifier/answers.py) and believes it only if it is
signed by the listing's verifier and names this chain, this escrow, the order, its current
delivery number and the fingerprint delivered on chain. Reads are throttled per order, and a
verifier that is down is left alone for a while: the bot's step never waits on it for long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
from eth_utils import to_checksum_address

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import Listing, Order, order_ref
from fairkey.verifier.answers import CheckAnswer
from fairkey.verifier.client import VerifierClient, VerifierError, VerifierMismatch

log = logging.getLogger("fairkey.merchant_bot")

VALID = "valid"


class VerifierAnswers:
    def __init__(
        self,
        client: EscrowClient,
        url: str,
        *,
        poll_interval: float = 5.0,
        timeout: float = 3.0,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.url = url.rstrip("/")
        self.poll_interval = poll_interval
        self.http = http or httpx.Client(timeout=timeout)
        self.clock = clock
        self._valid: set[tuple[int, int]] = set()  # (order, delivery number) signed "valid"
        self._polled: dict[int, float] = {}
        self._down_until = 0.0
        # (order, delivery number): sent, being sent, or not the bot's to send
        self._sent: set[tuple[int, int]] = set()
        self._sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="verifier-send")
        self._pending: list[Future] = []

    def close(self) -> None:
        self._sender.shutdown(wait=True)
        self.http.close()

    def drain(self) -> None:
        """Waits for the key checks sent so far (the verifier has answered, or failed)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def was_sent(self, order_id: int, delivery_no: int) -> bool:
        return (order_id, delivery_no) in self._sent

    def skip(self, order_id: int, delivery_no: int) -> None:
        """Not the bot's to send (the vault does not hold that key): never asked again."""
        self._sent.add((order_id, delivery_no))

    def send_key(self, order_id: int, order: Order, listing: Listing, key: bytes) -> bool:
        """Sends the delivered `key` of a disputed order to the verifier for a check, once per
        delivery, in the background (a failed send is tried again on a later call). True when
        a send was started now."""
        delivery = (order_id, order.deliveries - 1)
        if delivery in self._sent:
            return False
        self._sent.add(delivery)
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._sender.submit(self._send, delivery, listing.verifier, key))
        return True

    def _send(self, delivery: tuple[int, int], verifier: str, key: bytes) -> None:
        order_id, delivery_no = delivery
        ref = order_ref(order_id)
        session = self.client.session
        try:
            with VerifierClient(self.url) as client:
                decision = client.check_key(
                    order_id,
                    key,
                    expect_verifier=verifier,
                    expect_chain_id=session.chain_id,
                    expect_escrow=self.client.address,
                )
        except (VerifierError, VerifierMismatch) as exc:  # its answer: not worth repeating
            log.warning("order %s: the verifier refused the key check: %s", ref, exc)
            return
        except Exception as exc:  # noqa: BLE001 - unreachable, a node error: try again later
            self._sent.discard(delivery)
            log.warning("order %s: key check not sent (%s); trying again later", ref, exc)
            return
        log.info(
            "order %s delivery %d: the verifier says %s (%s)",
            ref,
            delivery_no,
            decision.get("answer"),
            decision.get("outcome"),
        )

    def says_valid(self, order_id: int, order: Order, listing: Listing) -> bool:
        """True once the listing's verifier signed "valid" for the order's current delivery."""
        delivery_no = order.deliveries - 1
        if (order_id, delivery_no) in self._valid:
            return True
        now = self.clock()
        last = self._polled.get(order_id)
        if now < self._down_until or (last is not None and now - last < self.poll_interval):
            return False
        self._polled[order_id] = now
        ref = order_ref(order_id)
        try:
            response = self.http.get(f"{self.url}/orders/{ref}/key-check")
        except httpx.HTTPError as exc:
            self._down_until = now + self.poll_interval
            log.warning("verifier at %s unreachable (%s); asking again later", self.url, exc)
            return False
        if response.status_code == 404:
            return False  # not checked (yet)
        try:
            response.raise_for_status()
            answer, signature = CheckAnswer.from_json(response.json()["signed"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("order %s: unusable answer from the verifier: %s", ref, exc)
            return False
        problem = self._refuse(answer, signature, order_id, delivery_no, listing)
        if problem:
            log.warning("order %s: verifier answer ignored: %s", ref, problem)
            return False
        if answer.answer != VALID:
            return False
        log.info("order %s: the verifier signed 'valid' for delivery %d", ref, delivery_no)
        self._valid.add((order_id, delivery_no))
        return True

    def _refuse(
        self, answer: CheckAnswer, signature: bytes, order_id: int, delivery_no: int, listing
    ) -> str | None:
        """Why the signed answer does not count for this order (None: it counts)."""
        if answer.chain_id != self.client.session.chain_id:
            return f"it is for chain {answer.chain_id}"
        if to_checksum_address(answer.escrow) != to_checksum_address(self.client.address):
            return f"it is for escrow {answer.escrow}"
        if (answer.order_id, answer.delivery_no) != (order_id, delivery_no):
            return f"it is for order {answer.order_id} delivery {answer.delivery_no}"
        try:
            signer = answer.signer(signature)
        except Exception:  # noqa: BLE001 - any malformed signature is just not the verifier's
            return "its signature does not recover"
        if signer != to_checksum_address(listing.verifier):
            return f"signed by {signer}, not the listing's verifier {listing.verifier}"
        found = self.client.current_delivery(order_id)
        if found is None or found[1] != delivery_no or found[0].fingerprint != answer.fingerprint:
            return "its fingerprint is not the key delivered on chain"
        return None
