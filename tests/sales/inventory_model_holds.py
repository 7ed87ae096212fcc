"""The hold steps of the inventory state machine in ``test_inventory_model.py``.

A mixin of :class:`~tests.sales.test_inventory_model.InventoryMachine`: it draws hold
requests for every sale (and for unknown sales or kinds), asks the adapter, and checks the
verdict against every one the spec allows, judged on the model of
:mod:`tests.sales.inventory_model`. Kept apart only to keep each file short; Hypothesis
collects the rules of the whole class, so where they are defined does not change the runs.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import replace
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import rule

from stampede.sales.domain.holds import Hold, HoldRequest, Kind, Verdict
from stampede.sales.domain.inventory import Inventory
from tests.sales.inventory_model import (
    ADMISSION_TTL,
    CAR,
    DAY,
    DEAL,
    DROP,
    KEYS,
    LISTINGS,
    PHONE,
    SEAT_IDS,
    SHOW,
    UNITS,
    USERS,
    RoomModel,
    SaleModel,
)

T = TypeVar("T")


class HoldRules:
    """The hold rules; the machine provides the state and ``run`` declared here."""

    inventory: Inventory
    now: int
    serial: int
    sales: dict[str, SaleModel]
    room: RoomModel
    issued: list[Hold]

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    def _new_hold(self, data: st.DataObject, listing_id: str, kind: Kind) -> Hold:
        self.serial += 1
        if listing_id == DROP:
            user, ticket = self._draw_user_and_ticket(data)
        else:
            user, ticket = data.draw(st.sampled_from(USERS), label="user"), None
        return Hold(
            hold_id=f"h{self.serial}",
            listing_id=listing_id,
            user_id=user,
            kind=kind,
            expires_ms=self.now + data.draw(st.sampled_from((1_000, 5_000, 20_000))),
            idempotency_key=data.draw(st.sampled_from(KEYS), label="key"),
            ticket=ticket,
        )

    def _draw_user_and_ticket(self, data: st.DataObject) -> tuple[str, str | None]:
        """Mostly an admitted ticket and its owner, sometimes another user with it; else any
        user with no ticket, a waiting or left one, or one never issued."""
        admitted = [t for t in self.room.tickets.values() if t.state == "admitted"]
        if admitted and data.draw(st.integers(0, 3), label="admitted ticket") > 0:
            ticket = data.draw(st.sampled_from(admitted[::-1]), label="ticket")
            if data.draw(st.integers(0, 2), label="another user") > 0:
                return ticket.user_id, ticket.name
            return data.draw(st.sampled_from(USERS), label="user"), ticket.name
        user = data.draw(st.sampled_from(USERS), label="user")
        names = [ticket.name for ticket in self.room.tickets.values()]
        return user, data.draw(st.sampled_from([None, "w-nope", *names]), label="ticket")

    def _draw_request(self, data: st.DataObject, listing_id: str, kind: Kind) -> HoldRequest:
        hold = self._new_hold(data, listing_id, kind)
        if kind is Kind.STOCK:
            quantity = data.draw(st.integers(1, 4), label="quantity")
            return HoldRequest(replace(hold, quantity=quantity), self.now)
        if kind is Kind.SEATS:
            pool = st.sampled_from(SEAT_IDS)
            picked = data.draw(st.lists(pool, min_size=1, max_size=3, unique=True), label="seats")
            if data.draw(st.integers(0, 5), label="unknown seat") == 0:
                picked.insert(data.draw(st.integers(0, len(picked))), "Z9")
            return HoldRequest(replace(hold, seat_ids=tuple(picked)), self.now)
        if kind is Kind.UNIT:
            unit_id = data.draw(st.sampled_from((None, *UNITS, "u9")), label="unit")
            shop = None if unit_id else data.draw(st.sampled_from((None, "s1", "s2")))
            return HoldRequest(replace(hold, unit_id=unit_id), self.now, shop_id=shop)
        first = DAY + data.draw(st.integers(0, 6), label="first day")
        end = first + data.draw(st.integers(1, 3), label="days")
        return HoldRequest(replace(hold, first_day=first, end_day=end), self.now)

    @rule(data=st.data())
    def hold_stock(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, DEAL, Kind.STOCK))

    @rule(data=st.data())
    def hold_stock_behind_the_waiting_room(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, DROP, Kind.STOCK))

    @rule(data=st.data())
    def hold_seats(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, SHOW, Kind.SEATS))

    @rule(data=st.data())
    def hold_unit(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, PHONE, Kind.UNIT))

    @rule(data=st.data())
    def hold_car(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, CAR, Kind.DATES))

    @rule(data=st.data())
    def hold_unknown_sale_or_kind(self, data: st.DataObject) -> None:
        listing_id = data.draw(st.sampled_from((*LISTINGS, "m-none")), label="sale")
        kind = data.draw(st.sampled_from(tuple(Kind)), label="kind")
        self._check_hold(self._draw_request(data, listing_id, kind))

    def _check_hold(self, request: HoldRequest) -> None:
        verdicts, expected = self._judge(request)
        result = self.run(self.inventory.hold(request))
        assert result.verdict in verdicts, (result, verdicts)
        if result.verdict is Verdict.GRANTED:
            assert expected is not None and result.hold == expected
            sale = self.sales[request.hold.listing_id]
            sale.take(expected)
            self.issued.append(expected)
            if sale.rules.kind is Kind.STOCK:
                assert sale.held_stock() <= sale.stock
        elif result.verdict is Verdict.REPLAYED:
            assert result.hold == expected
        else:
            assert result.hold is None

    def _judge(self, request: HoldRequest) -> tuple[set[Verdict], Hold | None]:
        """Every verdict the spec allows, and the hold a grant or replay answers with."""
        hold = request.hold
        sale = self.sales.get(hold.listing_id)
        if sale is not None and hold.idempotency_key is not None:
            first = sale.keys.get((hold.user_id, hold.idempotency_key))
            if first is not None:
                return {Verdict.REPLAYED}, sale.holds[first]
        if sale is None or sale.rules.kind is not hold.kind:
            return {Verdict.UNKNOWN}, None
        if not sale.rules.open_at(self.now) or (hold.kind is Kind.DATES and not sale.rentable):
            return {Verdict.CLOSED}, None
        verdicts = self._admission(sale, hold) if sale.rules.waiting_room else {None}
        if None not in verdicts:
            return {v for v in verdicts if v is not None}, None
        limit = sale.rules.per_user_limit
        if limit and sale.pieces(hold.user_id) + hold.pieces > limit:
            outcome: Verdict | Hold = Verdict.OVER_LIMIT
        else:
            outcome = sale.goods(request)
        allowed = {v for v in verdicts if v is not None}
        if isinstance(outcome, Hold):
            return allowed | {Verdict.GRANTED}, outcome
        return allowed | {outcome}, None

    def _admission(self, sale: SaleModel, hold: Hold) -> set[Verdict | None]:
        """None stands for "admitted: go on to the next check"."""
        ticket = self.room.tickets.get(hold.ticket or "")
        if ticket is None or ticket.state != "admitted" or ticket.user_id != hold.user_id:
            return {Verdict.NOT_ADMITTED}
        age = self.now - ticket.admitted_ms
        if ticket.name in sale.used:
            # used and stale at once: the spec does not say which answer comes first
            return (
                {Verdict.TOKEN_USED}
                if age < ADMISSION_TTL
                else {
                    Verdict.TOKEN_USED,
                    Verdict.NOT_ADMITTED,
                }
            )
        if age > ADMISSION_TTL:
            return {Verdict.NOT_ADMITTED}
        if age == ADMISSION_TTL:  # "older than" the TTL, or no longer "less than" it?
            return {Verdict.NOT_ADMITTED, None}
        return {None}
