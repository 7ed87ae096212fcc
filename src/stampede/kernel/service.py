"""Builds one context's ASGI app: its router, problem+json errors and health endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from stampede.kernel.module import Module, Runtime
from stampede.kernel.web import (
    NO_FRAMEWORK_TELEMETRY,
    Check,
    install_health,
    install_problem_handlers,
)


def runtime_checks(runtime: Runtime) -> dict[str, Check]:
    prefix = runtime.context
    return {
        f"{prefix}.database": runtime.db.ping,
        f"{prefix}.store": runtime.store.ping,
        f"{prefix}.bus": runtime.bus.ping,
    }


def service_app(module: Module, runtime: Runtime) -> FastAPI:
    """The context's own app; the platform starts its relay and consumers, not this app."""
    app = FastAPI(
        title=f"Stampede {module.name}",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        telemetry=NO_FRAMEWORK_TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.verifier = runtime.verifier
    install_problem_handlers(app)
    install_health(app, lambda: runtime_checks(runtime))
    app.include_router(module.router)
    return app
