"""Serving the fake provider as its own process (``stampede fakepg``)."""

from __future__ import annotations

import uvicorn

from stampede.fakepg.app import create_app
from stampede.fakepg.knobs import Knobs


def serve(knobs: Knobs, *, host: str, port: int, secret_key: str, public_url: str = "") -> None:
    """Serve until interrupted; the knobs can still be changed with ``PUT /admin/knobs``."""
    app = create_app(knobs, secret_key=secret_key, public_url=public_url)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
