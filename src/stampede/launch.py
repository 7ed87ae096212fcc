"""Starting processes: pre-flight checks, uvicorn, and the multi-process supervisor.

Pre-flight connects to everything a process needs before it serves, so a wrong URL, an
unreachable server or a busy port is reported as one line naming the setting. A serving process
shuts down gracefully on SIGTERM or Ctrl-C (:mod:`stampede.kernel.shutdown`) and exits 0.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy.engine import make_url

from stampede.compose import MODULES, Platform, build
from stampede.kernel import outbox
from stampede.kernel.errors import ConfigurationError
from stampede.kernel.express_http import ExpressHttpProtocol
from stampede.kernel.observe import configure_logging
from stampede.kernel.settings import DISTRIBUTED_DEFAULTS, SERVICE_PORTS, Settings
from stampede.kernel.shutdown import HARD_MARGIN_S, DrainingServer
from stampede.kernel.tracing import export_from_env

PREFLIGHT_TIMEOUT_S = 10.0  # to reach a server
MIGRATION_TIMEOUT_S = 120.0  # to migrate a database (a fresh one on a busy machine takes a while)


def distributed_env() -> dict[str, str]:
    """Distributed defaults for every setting the environment does not already give."""
    return {key: value for key, value in DISTRIBUTED_DEFAULTS.items() if key not in os.environ}


def default_port(roles: list[str]) -> int | None:
    if "gateway" in roles or len(roles) != 1:
        return None
    return SERVICE_PORTS.get(roles[0])


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            busy = exc.errno == errno.EADDRINUSE
            reason = "is already in use" if busy else f"cannot be bound: {exc.strerror}"
            raise ConfigurationError("STAMPEDE_PORT", f"{host}:{port} {reason}") from None


def serve(settings: Settings) -> None:
    """Serve this process's roles with uvicorn until SIGTERM or Ctrl-C, then drain and exit 0
    (an app that fails to start exits 3); spans go to an OTLP endpoint when one is set."""
    check_port(settings.host, settings.port)
    configure_logging(settings.log_level)
    asyncio.run(preflight(settings))
    app, platform = build(settings)
    export_from_env("stampede-" + "+".join(platform.roles()))
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=ExpressHttpProtocol,
        timeout_graceful_shutdown=round(settings.shutdown_grace_s),
    )
    server = DrainingServer(config, delay_s=settings.shutdown_delay_s)
    server.run()
    if not server.started:
        sys.exit(3)


async def preflight(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    platform = Platform(settings)
    try:
        await _guard(platform.store.ping(), "STORE_URL", settings.store_url)
        await _guard(_connect_bus(platform), "BUS_URL", settings.bus_url)
        for name, runtime in platform.runtimes.items():
            setting = f"{name.upper()}_DATABASE_URL or DATABASE_URL"
            await _guard(platform.migrate_one(name), setting, runtime.db.url, MIGRATION_TIMEOUT_S)
    finally:
        await platform.stop()


async def _connect_bus(platform: Platform) -> None:
    await platform.declare()
    await platform.bus.ping()


async def _guard(
    job: Awaitable[Any], setting: str, url: str, timeout_s: float = PREFLIGHT_TIMEOUT_S
) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await job
    except ConfigurationError:
        raise
    except Exception as exc:
        where = _redacted(url)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(setting, f"cannot use {where}: {reason}") from None


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def distributed(settings: Settings) -> None:
    """One process per context plus the gateway (which serves the pages too), supervised by
    honcho."""
    from honcho import manager as honcho

    if settings.embedded:
        raise ConfigurationError("BUS_URL", "distributed mode needs amqp://, not memory://")
    check_port(settings.host, settings.port)
    everything = settings.model_copy(update={"contexts": "all"})
    asyncio.run(preflight(everything))
    if settings.load_demo:
        _print_demo(asyncio.run(_with_platform(everything, Platform.seed_demo)))
    # honcho kills what has not stopped 5 s after its SIGTERM; give each process its drain
    honcho.KILL_WAIT = settings.shutdown_delay_s + settings.shutdown_grace_s + HARD_MARGIN_S
    manager = honcho.Manager()
    env = {**os.environ, **distributed_env(), "STAMPEDE_DEMO": "false"}
    for module in MODULES:
        port = str(urlsplit(settings.service_url(module.name)).port or 80)
        manager.add_process(
            module.name,
            f"{sys.executable} -m stampede serve {module.name}",
            env={**env, "STAMPEDE_PORT": port},
        )
    gateway_env = {**env, "STAMPEDE_PORT": str(settings.port)}
    entry = f"{sys.executable} -m stampede serve gateway web"  # the public entry and the pages
    manager.add_process("gateway", entry, env=gateway_env)
    manager.loop()
    sys.exit(manager.returncode)


def _print_demo(lines: list[str]) -> None:
    if lines:
        sys.stdout.write("Demo logins:\n" + "".join(f"  {line}\n" for line in lines))
        sys.stdout.flush()


async def migrate_only(settings: Settings) -> list[str]:
    await preflight(settings)
    return [f"migrated {name}" for name in settings.hosted([m.name for m in MODULES])]


async def _with_platform(settings: Settings, job: Callable[[Platform], Awaitable[Any]]) -> Any:
    platform = Platform(settings)
    try:
        await platform.migrate()
        return await job(platform)
    finally:
        await platform.stop()


async def task(settings: Settings, context: str, task_name: str, **kwargs: Any) -> str:
    """Run one of a context's operator tasks (``Module.tasks``) against its database."""

    async def run(platform: Platform) -> str:
        module = next(m for m in platform.modules if m.name == context)
        return await module.tasks[task_name](platform.runtimes[context], **kwargs)

    return str(await _with_platform(settings, run))


async def redrive(settings: Settings) -> list[str]:
    async def run(platform: Platform) -> list[str]:
        return [
            f"{name}: {await outbox.redrive(rt.db)} row(s) back to pending"
            for name, rt in platform.runtimes.items()
        ]

    return list(await _with_platform(settings, run))


async def outbox_status(settings: Settings) -> list[str]:
    async def run(platform: Platform) -> list[str]:
        lines = []
        for name, rt in platform.runtimes.items():
            s = await outbox.stats(rt.db)
            lines.append(
                f"{name}: pending={s.pending} failed={s.failed} "
                f"oldest={s.oldest_pending_age_s:.1f}s"
            )
        return lines

    return list(await _with_platform(settings, run))
