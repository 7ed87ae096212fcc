"""The Redis adapter of the store seam (``redis://``, ``rediss://``, ``unix://``).

Shared by every process that points at the same Redis database. Behaviour matches
:class:`~stampede.kernel.store.MemoryStore` (both pass ``tests/kernel/test_store_contract.py``):

* TTLs are float seconds, sent to Redis as whole milliseconds (``PX``, at least 1 ms).
* :meth:`RedisStore.incr` and :meth:`RedisStore.incr_all` run one Lua script, so each increment
  and its expiry are atomic: the expiry is set only by the increment that creates the key, so
  later increments never stretch the window.
* Connections come from a blocking pool (:data:`POOL_SIZE`): a burst of commands waits up to
  :data:`POOL_WAIT_S` for a free connection instead of failing with "Too many connections".
* :meth:`RedisStore.ttl` is None when the key is missing or never expires.

Failure modes: a malformed URL raises :class:`ConfigurationError` naming ``STORE_URL`` at
construction (no connection is made then); an unreachable server surfaces as
``redis.exceptions.ConnectionError`` from the first command, e.g. :meth:`RedisStore.ping`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from stampede.kernel.errors import ConfigurationError, Unavailable
from stampede.kernel.store import amounts_for

_INCR_WITH_WINDOW = """
local counts = {}
for i, key in ipairs(KEYS) do
    local amount = tonumber(ARGV[i + 1])
    counts[i] = redis.call('INCRBY', key, amount)
    if counts[i] == amount then
        redis.call('PEXPIRE', key, ARGV[1])
    end
end
return counts
"""

POOL_SIZE = 50  # connections per store; ``?max_connections=`` in the URL overrides it
POOL_WAIT_S = 5.0  # how long a command waits for a free connection before ConnectionError
# A reply (or a connection) not there within this long fails the command with TimeoutError:
# set here, not left to the client library's default (which changed between major versions).
REPLY_WAIT_S = 10.0
STORE_DOWN = (RedisConnectionError, RedisTimeoutError)  # Redis could not be reached or answer
_NO_EXPIRY = -1  # PTTL answers -1 for a key without expiry and -2 for a missing key


def _milliseconds(ttl_s: float) -> int:
    return max(1, round(ttl_s * 1000))


def redis_client(url: str) -> Redis:
    """A client with its own blocking pool (see the module docstring); raises
    :class:`ConfigurationError` naming ``STORE_URL`` for a malformed URL."""
    try:
        pool = BlockingConnectionPool.from_url(
            url,
            decode_responses=True,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT_S,
            socket_timeout=REPLY_WAIT_S,
            socket_connect_timeout=REPLY_WAIT_S,
        )
    except ValueError as exc:
        raise ConfigurationError("STORE_URL", f"not a usable Redis URL: {exc}") from exc
    return Redis.from_pool(pool)  # the client owns and closes the pool


def store_down() -> Unavailable:
    """The 503 (Retry-After 1) for a request that met Redis unreachable or silent: nothing it
    asked of Redis is known to have happened, so the client may try again."""
    return Unavailable(
        "a data store of this service is not answering; try again", slug="store-unavailable"
    )


class RedisStore:
    """Keys and counters in one Redis database; a connection pool per instance."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)
        self._incr = self._redis.register_script(_INCR_WITH_WINDOW)

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(key)
        return cast("str | None", value)  # decode_responses=True: never bytes

    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        px = None if ttl_s is None else _milliseconds(ttl_s)
        await self._redis.set(key, value, px=px)

    async def set_if_absent(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        px = None if ttl_s is None else _milliseconds(ttl_s)
        return bool(await self._redis.set(key, value, px=px, nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(key)

    async def incr(self, key: str, ttl_s: float) -> int:
        """Add one and return the new count; the first increment starts a ``ttl_s`` window."""
        return (await self.incr_all([key], ttl_s))[0]

    async def incr_all(
        self, keys: Sequence[str], ttl_s: float, amounts: Sequence[int] | None = None
    ) -> list[int]:
        """:meth:`incr` of each key (by ``amounts[i]`` when given) in one script call."""
        by = amounts_for(keys, amounts)
        counts = await self._incr(keys=list(keys), args=[_milliseconds(ttl_s), *by])
        return [int(count) for count in counts]

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None when it is missing or never expires."""
        remaining_ms = int(await self._redis.pttl(key))
        if remaining_ms <= _NO_EXPIRY:
            return None
        return remaining_ms / 1000

    async def ping(self) -> None:
        """Round-trip to the server; raises ``redis.exceptions.ConnectionError`` if unreachable."""
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
