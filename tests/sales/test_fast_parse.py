"""The express lane's quick reading of a hold body agrees with the model wherever it answers.

``counted_ask`` reads the crowd's usual body without pydantic; for every body it accepts, the
model must accept it too and ask for exactly the same thing, and bodies it declines (None) are
left to the model. Hypothesis mixes valid and invalid values of every field.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stampede.kernel.errors import StampedeError
from stampede.sales.api.bodies import HoldIn
from stampede.sales.api.fast import counted_ask
from stampede.sales.domain.holds import MAX_QUANTITY, Kind

LISTING = "0b6c1f6e-6f0e-4d8e-9a55-3c0f1b2a9d17"
MISSING = object()

listing_ids = st.one_of(
    st.just(LISTING),
    st.just(LISTING.upper()),
    st.just(LISTING.replace("-", "")),
    st.uuids().map(str),
    st.text(max_size=40),
    st.integers(),
    st.none(),
)
quantities = st.one_of(
    st.integers(min_value=-2, max_value=MAX_QUANTITY + 2),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=MAX_QUANTITY + 2),
    st.text(alphabet="0123456789", min_size=1, max_size=3),
    st.none(),
)
tokens = st.one_of(st.text(max_size=310), st.integers(), st.none())
extras = st.one_of(st.none(), st.sampled_from(["seat_ids", "unit_id", "start_date", "color"]))


def _body(listing: object, quantity: object, token: object, extra: str | None) -> bytes:
    data: dict[str, Any] = {}
    for name, value in (
        ("listing_id", listing),
        ("quantity", quantity),
        ("admission_token", token),
    ):
        if value is not MISSING:
            data[name] = value
    if extra is not None:
        data[extra] = [str(uuid.uuid4())] if extra == "seat_ids" else "x"
    return json.dumps(data).encode()


def _modelled(body: bytes, key: str | None) -> object:
    try:
        return HoldIn.model_validate_json(body).ask(Kind.STOCK, key)
    except (ValidationError, StampedeError):
        return None


@settings(max_examples=400, deadline=None)
@given(
    listing=st.one_of(st.just(MISSING), listing_ids),
    quantity=st.one_of(st.just(MISSING), quantities),
    token=st.one_of(st.just(MISSING), tokens),
    extra=extras,
    key=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
)
def test_a_quick_reading_is_the_models_reading(
    listing: object, quantity: object, token: object, extra: str | None, key: str | None
) -> None:
    body = _body(listing, quantity, token, extra)
    quick = counted_ask(body, key)
    if quick is not None:
        assert quick == _modelled(body, key)


def test_the_crowds_body_is_read_quickly() -> None:
    body = json.dumps({"listing_id": LISTING, "quantity": 2}).encode()
    ask = counted_ask(body, "k-1")
    assert ask is not None and ask == _modelled(body, "k-1")
    assert ask.kind is Kind.STOCK and ask.quantity == 2 and ask.idempotency_key == "k-1"
    with_token = json.dumps({"listing_id": LISTING, "quantity": 1, "admission_token": "t"})
    assert counted_ask(with_token.encode(), None) == _modelled(with_token.encode(), None)


def test_anything_unusual_is_left_to_the_model() -> None:
    for body in (
        b"not json",
        b"[1, 2]",
        json.dumps({"listing_id": LISTING.upper(), "quantity": 1}).encode(),
        json.dumps({"listing_id": LISTING, "quantity": True}).encode(),
        json.dumps({"listing_id": LISTING, "quantity": 1.0}).encode(),
        json.dumps({"listing_id": LISTING}).encode(),
        json.dumps({"listing_id": LISTING, "quantity": 1, "seat_ids": []}).encode(),
        json.dumps({"listing_id": LISTING, "quantity": 1, "admission_token": ""}).encode(),
    ):
        assert counted_ask(body, None) is None, body
