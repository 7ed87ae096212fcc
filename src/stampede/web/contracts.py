"""What other parts of the platform may know of the web context: its fixed public pages."""

from __future__ import annotations

HOME = "/"
LOGIN = "/login"
STATIC = "/static"
