"""`fairkey listing create|show`: a merchant's terms of sale, fixed on chain."""

from __future__ import annotations

import enum
from typing import Annotated

import httpx
import typer
from typer.models import OptionInfo
from web3 import Web3

from fairkey.chain.types import KeyAlphabet, ListingTerms
from fairkey.cli.context import state
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import ZERO_ADDRESS, ListingArg, existing_listing
from fairkey.cli.output import fields, ok, say, warn
from fairkey.listing_meta import ListingMetadata, MetadataError
from fairkey.units import format_duration, parse_duration

app = typer.Typer(
    help="Create and inspect listings (a product, its price and its rules).", no_args_is_help=True
)


class Alphabet(enum.StrEnum):
    text = "text"
    printable_ascii = "printable-ascii"

    @property
    def on_chain(self) -> KeyAlphabet:
        return KeyAlphabet[self.name.upper()]


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _window(help_text: str) -> OptionInfo:
    return typer.Option(
        parser=_duration, metavar="DURATION", help=f"{help_text} (e.g. 30m, 1h, 2d)."
    )


def _amount(help_text: str) -> OptionInfo:
    return typer.Option(metavar="AMOUNT", help=f"{help_text}, in whole token units (e.g. 0.01).")


@app.command("create")
def create(
    ctx: typer.Context,
    price: Annotated[str, _amount("Price of one key")],
    bond: Annotated[
        str, _amount("Bond locked per committed key; compensates the buyer on a proven fault")
    ],
    dispute_bond: Annotated[str, _amount("Deposit a buyer pays to open a dispute")],
    delivery_window: Annotated[int, _window("Time from payment to delivery")],
    confirm_window: Annotated[
        int, _window("Time from delivery for the buyer to confirm or dispute")
    ],
    response_window: Annotated[int, _window("Time for the merchant to answer a dispute")],
    appeal_window: Annotated[int, _window("Time to appeal a verifier's verdict")],
    description: Annotated[
        str,
        typer.Option(
            help="Product description. Only the hash of the listing's document (title, "
            "description, language: fairkey/listing_meta.py) goes on chain."
        ),
    ],
    token: Annotated[
        str, typer.Option(help="eth, demo (the deployment's demo token) or an ERC-20 address.")
    ] = "eth",
    max_replacements: Annotated[
        int, typer.Option(min=0, max=255, help="Replacement keys the merchant may send per order.")
    ] = 2,
    verifier: Annotated[
        str | None,
        typer.Option(
            help="Address of the key verifier that may attest a disputed key invalid or redeemed "
            "at the issuer (make up's demo verifier is dev account 5; default: none)."
        ),
    ] = None,
    key_alphabet: Annotated[
        Alphabet,
        typer.Option(
            help="Which keys the listing sells: text (any canonical UTF-8 text) or "
            "printable-ascii (0x20-0x7E only, as nearly every card key). A delivered key outside "
            "it is a provable fault."
        ),
    ] = Alphabet.text,
    title: TitleOption = None,
    lang: LangOption = None,
    api: ApiOption = None,
) -> None:
    """Open a listing; you (the signing account) are its merchant. Prints the listing id."""
    app_state = state(ctx)
    if verifier is not None and not Web3.is_address(verifier):
        raise CliError(f"--verifier {verifier!r} is not an address")
    if not description.strip():
        raise CliError("--description must not be empty")
    document = _document(description, title, lang)
    pay_token = app_state.tokens.resolve(token)
    terms = ListingTerms(
        token=pay_token.address,
        price=pay_token.parse(price),
        bond_per_unit=pay_token.parse(bond),
        dispute_bond=pay_token.parse(dispute_bond),
        delivery_window=delivery_window,
        confirm_window=confirm_window,
        response_window=response_window,
        appeal_window=appeal_window,
        max_replacements=max_replacements,
        verifier=Web3.to_checksum_address(verifier) if verifier else ZERO_ADDRESS,
        description_hash=document.description_hash(),
    )
    listing_id = app_state.client.create_listing(terms, key_alphabet.on_chain)
    ok(
        f"listing {listing_id} created: {pay_token.show(terms.price)} per key, "
        f"bond {pay_token.show(terms.bond_per_unit)} per key"
    )
    if api is not None:
        try:
            _publish(api, listing_id, document)
        except CliError as exc:  # the listing exists: say how to publish it again
            warn(f"{exc}; publish it later with `fairkey listing publish {listing_id} …`")
    say(
        f"next: fairkey stock import FILE --supplier NAME, then fairkey stock commit BATCH "
        f"--listing {listing_id}"
    )


TitleOption = Annotated[
    str | None,
    typer.Option(help="Product title (default: the description's first line).", show_default=False),
]
LangOption = Annotated[
    str | None,
    typer.Option(help="Language of the title and description, e.g. en or zh-CN.",
                 show_default=False),
]  # fmt: skip
ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api",
        metavar="URL",
        help="The fairkey API (e.g. http://127.0.0.1:8800): publish the title and description "
        "there, so buyers read them (it keeps them only if they hash to the listing's hash).",
        show_default=False,
    ),
]


def _document(description: str, title: str | None, lang: str | None) -> ListingMetadata:
    try:
        return ListingMetadata.from_text(description, title, lang)
    except MetadataError as exc:
        raise CliError(f"listing description: {exc}") from None


def _publish(api: str, listing_id: int, document: ListingMetadata) -> None:
    """PUT the document to the API's metadata store for the listing."""
    url = f"{api.rstrip('/')}/listings/{listing_id}/metadata"
    try:
        answer = httpx.put(url, content=document.canonical(),
                           headers={"content-type": "application/json"}, timeout=30)  # fmt: skip
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the API at {api}: {exc}") from None
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text[:200]
        raise CliError(f"the API refused the description ({answer.status_code}): {detail}")
    ok(f"description published at {url} (hash 0x{document.description_hash().hex()})")


@app.command("publish")
def publish(
    ctx: typer.Context,
    listing_id: ListingArg,
    description: Annotated[str, typer.Option(help="The description, exactly as created.")],
    api: Annotated[str, typer.Option("--api", metavar="URL", help="The fairkey API.")],
    title: TitleOption = None,
    lang: LangOption = None,
) -> None:
    """Publish a listing's title and description to the API (they must hash to its hash)."""
    listing = existing_listing(state(ctx), listing_id)
    document = _document(description, title, lang)
    if document.description_hash() != listing.description_hash:
        raise CliError(
            f"this title and description hash to 0x{document.description_hash().hex()}, not "
            f"listing {listing_id}'s 0x{listing.description_hash.hex()}: give them exactly as "
            "when it was created"
        )
    _publish(api, listing_id, document)


@app.command("show")
def show(ctx: typer.Context, listing_id: ListingArg) -> None:
    """Show a listing's terms and how many committed keys are for sale."""
    app_state = state(ctx)
    listing = existing_listing(app_state, listing_id)
    token = app_state.tokens.get(listing.token)
    no_verifier = int(listing.verifier, 16) == 0
    fields(
        f"listing {listing_id}",
        [
            ("merchant", listing.merchant),
            ("active", "yes" if listing.active else "no (closed to new orders)"),
            ("token", f"{token.symbol} ({token.address})" if not token.is_eth else "ETH"),
            ("price", token.show(listing.price)),
            ("keys for sale", str(listing.stock_available)),
            ("bond per key", token.show(listing.bond_per_unit)),
            ("dispute bond", token.show(listing.dispute_bond)),
            ("delivery window", format_duration(listing.delivery_window)),
            ("confirm window", format_duration(listing.confirm_window)),
            ("response window", format_duration(listing.response_window)),
            ("appeal window", format_duration(listing.appeal_window)),
            ("max replacements", str(listing.max_replacements)),
            ("key alphabet", _alphabet_name(listing.key_alphabet)),
            ("verifier", "none" if no_verifier else listing.verifier),
            ("description hash", "0x" + listing.description_hash.hex()),
        ],
    )


def _alphabet_name(value: int) -> str:
    try:
        return Alphabet[KeyAlphabet(value).name.lower()].value
    except (ValueError, KeyError):
        return str(value)
