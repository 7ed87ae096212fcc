"""A ticket's QR code as SVG or PNG (segno), holding its check-in link."""

from __future__ import annotations

import io

import segno

MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


def render(payload: str, image: str) -> bytes:
    """``image`` is ``svg`` or ``png``; medium error correction, so a scuffed screen scans."""
    code = segno.make(payload, error="m")
    buffer = io.BytesIO()
    if image == "svg":
        code.save(buffer, kind="svg", scale=4, xmldecl=False)
    else:
        code.save(buffer, kind="png", scale=6)
    return buffer.getvalue()
