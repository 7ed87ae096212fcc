"""Templates (Jinja2, always autoescaped) and static files (vendored htmx 2, the site's script
and style sheet; no inline script or style anywhere, so the CSP forbids both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from stampede.web.domain import format as fmt

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(when=fmt.when, day=fmt.day)
    return env


ENV = _environment()


def render(template: str, context: dict[str, Any]) -> str:
    """The page ``template`` filled with ``context`` (which carries ``lang`` and ``t``)."""
    lang = context["lang"]
    extra = {
        "won": lambda amount: fmt.won(lang, amount),
        "status": lambda name: fmt.status(lang, name),
    }
    return ENV.get_template(template).render({**extra, **context})
