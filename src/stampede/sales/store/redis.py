"""The Redis adapter of the inventory seam: one Lua script call (one round trip) per step.

Semantics are those of :mod:`stampede.sales.domain.inventory`, the same as
:class:`~stampede.sales.store.memory.MemoryInventory` (both pass the contract suite in
``tests/sales/``). Every process pointed at the same database shares the sales. Time is always
the caller's ``now_ms``, never the Redis clock, so tests can move it.

Keys (``P`` = ``f"{namespace}sales:"``, ``L`` = the listing id; the hash tag ``{L}`` puts all
keys of one sale in one cluster slot, and no script touches two sales):

* ``P{L}:meta`` hash: the rules (kind, limit, waiting_room, opens, closes, ttl), stock, taken,
  rentable, free_seats;
* ``P{L}:holds`` hash hold id → JSON record; ``P{L}:expiry`` zset hold id by ``expires_ms``;
  ``P{L}:pieces`` hash user → pieces held; ``P{L}:idem`` hash ``user + "\\n" + key`` → hold id;
  ``P{L}:used`` set of tickets that made a hold;
* ``P{L}:seats`` hash seat → holding hold id, ``""`` when free; ``P{L}:gone_seats`` set of
  seats removed while held (deleted when the hold ends);
* ``P{L}:units`` hash sellable unit → shop; ``P{L}:unit_holds`` hash unit → hold id;
  ``P{L}:free_units`` zset (score 0, by unit id); ``P{L}:shop_units`` and
  ``P{L}:free_shop_units`` zsets of ``shop + "\\0" + unit`` (all sellable / free ones) — so
  "the smallest free unit (at a shop)" is one ``ZRANGE … BYLEX LIMIT 0 1``;
* ``P{L}:days`` hash epoch day → hold id;
* the waiting room, which :meth:`RedisInventory.seed` keeps: ``P{L}:admitted`` hash ticket →
  ``admitted_ms + "\\n" + user``, ``P{L}:queue`` hash (seq, tokens as ``%.17g``, last),
  ``P{L}:waiting`` zset ticket by arrival seq, ``P{L}:waiting_users`` hash ticket → user,
  ``P{L}:user_tickets`` hash user → live ticket;
* ``P + "seeded"``: set by :meth:`mark_seeded`, gone after a flush.

Failure modes: a malformed URL raises :class:`ConfigurationError` naming ``STORE_URL`` at
construction; :meth:`RedisInventory.connect` also fails when the server is unreachable
(``redis.exceptions.ConnectionError``) or may evict keys (``maxmemory-policy`` other than
``noeviction`` → ConfigurationError: an evicted hold would oversell). Changing or entering an
unknown sale (``set_*``, ``enter``, ``admit``) raises KeyError, as the memory adapter does.
Scripts run by EVALSHA and are loaded again after ``NOSCRIPT`` (a restart, ``SCRIPT FLUSH``).
The batched scripts (hold, enter, place) go through :mod:`.redis_pipe`, one pipelined
connection driven by callbacks; the rest through redis-py.
Shop ids must not contain ``"\\0"``; tickets are assumed unique per sale.

Speed: a rejection (SOLD_OUT, TAKEN, …) costs the hold script one to five reads and returns a
bare verdict string, mapped to a ready-made :class:`HoldResult`; a grant returns "granted" and
the caller's own ``Hold`` (the record is decoded only for a replay). Keys are encoded once per
sale (:func:`_keys`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast

import structlog
from pydantic_core import to_json
from redis.exceptions import ResponseError

from stampede.kernel.errors import ConfigurationError
from stampede.kernel.redis_store import redis_client
from stampede.sales.domain.holds import Hold, HoldRequest, HoldResult, Rules, Snapshot
from stampede.sales.domain.inventory import Place
from stampede.sales.store.redis_batch import Batcher, Send
from stampede.sales.store.redis_pipe import Script, ScriptPipe
from stampede.sales.store.redis_wire import (
    hold_args,
    hold_from,
    place_from,
    record_of,
    result_of,
    rules_args,
)

log = structlog.get_logger()

_LUA = Path(__file__).parent / "lua"
_SUFFIXES = (
    "meta", "holds", "expiry", "pieces", "idem", "used", "seats", "units", "unit_holds",
    "free_units", "shop_units", "free_shop_units", "days", "gone_seats",  # seed replaces these
    "admitted", "queue", "waiting", "waiting_users", "user_tickets",  # the waiting room
)  # fmt: skip
_GOODS, _HOLD = 14, 15  # how many of the keys above the goods scripts and the hold script get
_HOLDS, _WAITING = _SUFFIXES.index("holds"), _SUFFIXES.index("waiting")
MAX_BATCH = 128  # hold requests in one script call (bounds how long one call blocks Redis)
_SCRIPTS = (
    "hold", "release", "expire", "keep", "configure", "seed", "set_meta", "set_seats", "set_units",
    "available", "enter", "leave", "place", "admit",
)  # fmt: skip


@cache
def _source(name: str) -> str:
    """A script: lib.lua (keys and helpers) followed by ``name``.lua."""
    return (_LUA / "lib.lua").read_text() + (_LUA / f"{name}.lua").read_text()


@lru_cache(maxsize=8192)
def _keys(prefix: str, listing_id: str) -> tuple[bytes, ...]:
    """The keys of one sale, encoded once (packing str keys costs the hot path)."""
    base = f"{prefix}{{{listing_id}}}:"
    return tuple((base + suffix).encode() for suffix in _SUFFIXES)


class RedisInventory:
    """All sales in one Redis database under ``namespace``; see the module docstring."""

    def __init__(self, url: str, namespace: str = "") -> None:
        self._redis = redis_client(url)
        self._prefix = f"{namespace}sales:"
        self._seeded_key = self._prefix + "seeded"
        self._run = {name: self._redis.register_script(_source(name)) for name in _SCRIPTS}
        self._pipe = ScriptPipe(url)
        self._holds = Batcher(self._script_sender("hold", _HOLD), MAX_BATCH)
        self._entries = Batcher(self._script_sender("enter", len(_SUFFIXES)), MAX_BATCH)
        self._places = Batcher(self._script_sender("place", len(_SUFFIXES)), MAX_BATCH)

    @classmethod
    async def connect(cls, url: str, namespace: str = "") -> RedisInventory:
        """A ready adapter: the server answers and will not evict (see the module docstring)."""
        inventory = cls(url, namespace)
        try:
            await inventory.ping()
            await inventory.check_eviction_policy()
        except BaseException:
            await inventory.close()
            raise
        return inventory

    async def ping(self) -> None:
        """Round-trip to the server; raises ``redis.exceptions.ConnectionError`` if unreachable."""
        await self._redis.ping()

    async def check_eviction_policy(self) -> None:
        """ConfigurationError unless ``maxmemory-policy`` is ``noeviction``; a server that
        refuses CONFIG (managed Redis, ACLs) is trusted, with a warning."""
        try:
            config = await self._redis.config_get("maxmemory-policy")
        except ResponseError as exc:
            log.warning("cannot read Redis maxmemory-policy; assuming noeviction", error=str(exc))
            return
        policy = config.get("maxmemory-policy")
        if policy != "noeviction":
            raise ConfigurationError(
                "STORE_URL",
                f"Redis maxmemory-policy is {policy!r}; it must be noeviction "
                "(an evicted hold or counter would oversell)",
            )

    def _sale(self, listing_id: str) -> tuple[bytes, ...]:
        return _keys(self._prefix, listing_id)

    async def _change(self, script: str, listing_id: str, args: list[Any]) -> None:
        if not await self._run[script](keys=self._sale(listing_id)[:_GOODS], args=args):
            raise KeyError(listing_id)

    async def configure(self, rules: Rules) -> None:
        await self._run["configure"](
            keys=self._sale(rules.listing_id)[:_GOODS], args=rules_args(rules)
        )

    async def set_stock(self, listing_id: str, stock: int) -> None:
        await self._change("set_meta", listing_id, ["stock", stock])

    async def set_seats(
        self, listing_id: str, add: Iterable[str], remove: Iterable[str] = ()
    ) -> None:
        added = list(add)
        await self._change("set_seats", listing_id, [len(added), *added, *remove])

    async def set_units(self, listing_id: str, shop_id: str, unit_ids: Iterable[str]) -> None:
        await self._change("set_units", listing_id, [shop_id, *unit_ids])

    async def set_rentable(self, listing_id: str, rentable: bool) -> None:
        await self._change("set_meta", listing_id, ["rentable", int(rentable)])

    async def seed(self, snapshot: Snapshot) -> None:
        document = [
            [str(value) for value in rules_args(snapshot.rules)],
            str(snapshot.stock),
            "1" if snapshot.rentable else "0",
            sorted(snapshot.seat_ids),
            sorted(snapshot.units.items()),
            sorted(snapshot.used_tickets),
            [record_of(hold) for hold in snapshot.holds],
        ]
        keys = self._sale(snapshot.rules.listing_id)[:_GOODS]
        await self._run["seed"](keys=keys, args=[json.dumps(document, ensure_ascii=False)])

    async def hold(self, request: HoldRequest) -> HoldResult:
        """Joins the sale's next batch of holds (see :mod:`.redis_batch`)."""
        reply = await self._holds.call(request.hold.listing_id, hold_args(request))
        return result_of(request.hold, reply)

    def _script_sender(self, name: str, keys: int) -> Send:
        """Batches go over the pipe (:mod:`.redis_pipe`) as one JSON argument: packing each
        field costs more than JSON."""
        script = Script(self._run[name].sha.encode(), _source(name).encode())

        def send(listing_id: str, calls: list[list[Any]], done: Callable[[Any], None]) -> None:
            self._pipe.run(script, self._sale(listing_id)[:keys], [to_json(calls)], done)

        return send

    async def release(self, listing_id: str, hold_id: str) -> Hold | None:
        raw = await self._run["release"](keys=self._sale(listing_id)[:_GOODS], args=[hold_id])
        return None if raw is None else hold_from(raw, listing_id)

    async def expire(self, listing_id: str, now_ms: int, limit: int = 500) -> list[Hold]:
        if limit <= 0:
            return []
        keys = self._sale(listing_id)[:_GOODS]
        raws = await self._run["expire"](keys=keys, args=[now_ms, limit])
        return [hold_from(raw, listing_id) for raw in raws]

    async def keep(self, listing_id: str, hold_id: str, expires_ms: int) -> bool:
        keys = self._sale(listing_id)[:_GOODS]
        return bool(await self._run["keep"](keys=keys, args=[hold_id, expires_ms]))

    async def live_holds(self, listing_id: str) -> list[Hold]:
        """The live holds, earliest expiry first (ties by hold id), as :meth:`expire` takes them."""
        raws = await self._redis.hvals(self._sale(listing_id)[_HOLDS])
        holds = [hold_from(cast(str, raw), listing_id) for raw in raws]  # decode_responses=True
        return sorted(holds, key=lambda hold: (hold.expires_ms, hold.hold_id))

    async def available(self, listing_id: str) -> int:
        return int(await self._run["available"](keys=self._sale(listing_id)[:_GOODS]))

    async def enter(self, listing_id: str, user_id: str, ticket: str, now_ms: int) -> Place:
        place = place_from(await self._entries.call(listing_id, [user_id, ticket, now_ms]))
        if place is None:
            raise KeyError(listing_id)
        return place

    async def leave(self, listing_id: str, ticket: str) -> bool:
        return bool(await self._run["leave"](keys=self._sale(listing_id), args=[ticket]))

    async def place(self, listing_id: str, ticket: str) -> Place | None:
        return place_from(await self._places.call(listing_id, [ticket]))

    async def admit(self, listing_id: str, now_ms: int, rate_per_s: float, burst: int) -> list[str]:
        keys = self._sale(listing_id)
        tickets = await self._run["admit"](keys=keys, args=[now_ms, float(rate_per_s), burst])
        if tickets is None:
            raise KeyError(listing_id)
        return list(tickets)

    async def queue_length(self, listing_id: str) -> int:
        return int(await self._redis.zcard(self._sale(listing_id)[_WAITING]))

    async def seeded(self) -> bool:
        return bool(await self._redis.exists(self._seeded_key))

    async def mark_seeded(self) -> None:
        await self._redis.set(self._seeded_key, "1")

    async def close(self) -> None:
        await self._pipe.close()
        await self._redis.aclose()
