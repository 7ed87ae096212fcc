"""The ``stampede`` command. Every failure a user can cause is one line naming the setting."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from stampede import launch
from stampede.fakepg.knobs import Knobs
from stampede.fakepg.serve import serve as serve_fakepg
from stampede.kernel.errors import ConfigurationError, StampedeError
from stampede.kernel.settings import SERVICE_PORTS, Settings

app = typer.Typer(
    help="Stampede: a commerce platform that holds when the crowd stampedes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
admin_app = typer.Typer(help="Administer accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage token signing keys.", no_args_is_help=True)
outbox_app = typer.Typer(help="Inspect and redrive outboxes.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(keys_app, name="keys")
app.add_typer(outbox_app, name="outbox")
catalog_app = typer.Typer(help="Manage the catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

Port = Annotated[int | None, typer.Option(help="Port to listen on.")]
DataDir = Annotated[Path | None, typer.Option(help="Where embedded data lives (default ./var).")]


def _settings(**env: object) -> Settings:
    for key, value in env.items():
        if value is not None:
            os.environ[key] = str(value)
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        raise ConfigurationError(name, first["msg"]) from None


def _fail(message: str) -> None:
    sys.stderr.write(f"stampede: {message}\n")
    raise typer.Exit(2)


def _run(job: Callable[[], Any]) -> Any:
    try:
        return job()
    except ConfigurationError as exc:
        _fail(str(exc))
    except StampedeError as exc:
        _fail(exc.detail)
    except KeyboardInterrupt:
        return None


@app.command()
def up(
    port: Port = None,
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    distributed: Annotated[
        bool,
        typer.Option(
            help="One process per context plus gateway, on PostgreSQL, Redis and RabbitMQ."
        ),
    ] = False,
    demo: Annotated[bool, typer.Option(help="Load demo data on first start.")] = True,
) -> None:
    """Start Stampede: embedded in one process by default."""
    env = {
        "STAMPEDE_PORT": port,
        "STAMPEDE_DATA_DIR": data_dir,
        "STAMPEDE_HOST": host,
        "STAMPEDE_DEMO": demo,
    }
    if distributed:
        _run(lambda: launch.distributed(_settings(**launch.distributed_env(), **env)))
    else:
        _run(lambda: launch.serve(_settings(**env, STAMPEDE_CONTEXTS="all")))


@app.command()
def serve(
    contexts: Annotated[list[str], typer.Argument(help="Contexts (and/or gateway, web).")],
    port: Port = None,
) -> None:
    """Run the named contexts in this process; the others are reached by their URLs."""
    names = ",".join(contexts)
    if port is None and "STAMPEDE_PORT" not in os.environ:
        port = launch.default_port(contexts)
    _run(lambda: launch.serve(_settings(STAMPEDE_CONTEXTS=names, STAMPEDE_PORT=port)))


@app.command()
def migrate() -> None:
    """Apply every hosted context's migrations (PostgreSQL databases are created if missing)."""
    _run(lambda: _echo(_async(launch.migrate_only(_settings()))))


@admin_app.command("create")
def admin_create(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: str = "Admin",
) -> None:
    """Create an admin account, or make an existing account an admin."""
    _task("identity", "create_admin", email=email, password=password, name=name)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Sign new tokens with a fresh key; the old key verifies until its tokens expire."""
    _task("identity", "rotate_keys")


@catalog_app.command("import")
def catalog_import(
    feed: Annotated[Path, typer.Argument(help="A JSON or CSV feed of listings.")],
) -> None:
    """Upsert the feed's listings by external id; bad rows are named with line and reason."""
    _task("catalog", "import_feed", path=feed)


@outbox_app.command("redrive")
def outbox_redrive() -> None:
    """Put every failed outbox row of the hosted contexts back to pending."""
    _run(lambda: _echo(_async(launch.redrive(_settings()))))


@outbox_app.command("status")
def outbox_status() -> None:
    """Pending and failed outbox rows per hosted context."""
    _run(lambda: _echo(_async(launch.outbox_status(_settings()))))


Rate = Annotated[float, typer.Option(min=0.0, max=1.0)]


@app.command()
def fakepg(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = SERVICE_PORTS["fakepg"],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    latency_ms: Annotated[int, typer.Option(min=0, help="Wait before each API answer.")] = 0,
    decline_rate: Rate = 0.0,
    timeout_rate: Rate = 0.0,
    lost_reply_rate: Rate = 0.0,
    duplicate_callback_rate: Rate = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed for repeatable outcomes.")] = None,
    public_url: Annotated[str, typer.Option(help="Where buyers reach its pages.")] = "",
) -> None:
    """Run the fake KakaoPay-style payment provider (its key: PAYMENT_PROVIDER_KEY). Rates are
    per call; change them at run time with PUT /admin/knobs."""
    knobs = Knobs(
        latency_ms=latency_ms,
        decline_rate=decline_rate,
        timeout_rate=timeout_rate,
        lost_reply_rate=lost_reply_rate,
        duplicate_callback_rate=duplicate_callback_rate,
        seed=seed,
    )

    def run() -> None:
        settings = _settings()
        launch.check_port(host, port)
        url = public_url or settings.fakepg_public_url
        serve_fakepg(
            knobs, host=host, port=port, secret_key=settings.payment_provider_key, public_url=url
        )

    _run(run)


def _task(context: str, task_name: str, **kwargs: Any) -> None:
    settings = _settings(STAMPEDE_CONTEXTS=context)
    _run(lambda: _echo(_async(launch.task(settings, context, task_name, **kwargs))))


def _async(job: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await job

    return asyncio.run(main())


def _echo(lines: str | list[str]) -> None:
    typer.echo(lines if isinstance(lines, str) else "\n".join(lines))


def main() -> None:
    app()
