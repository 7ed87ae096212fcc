"""Photos of price posts: PNG, JPEG or WebP, recognised by their first bytes (never by the
name or the type the client claims), at most :data:`MAX_BYTES`.

Anything else is refused before it is stored: 413 when too large, 415 when not one of the
three formats, 422 when empty. The stored bytes are served back with the recognised type and
``X-Content-Type-Options: nosniff``, so a browser never reads them as anything else.
"""

from __future__ import annotations

from stampede.kernel.errors import PayloadTooLarge, StampedeError, Unprocessable

MAX_BYTES = 1_000_000  # under the gateway's 1 MiB body cap, with room for the form around it
PNG, JPEG, WEBP = "image/png", "image/jpeg", "image/webp"


class UnsupportedMediaType(StampedeError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def media_type(data: bytes) -> str | None:
    """PNG, JPEG or WebP by their signatures; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def checked_image(data: bytes) -> str:
    """The image's media type; 413 ``image-too-large``, 415 ``not-an-image`` or 422
    ``empty-image`` when it is refused."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"an image has at most {MAX_BYTES} bytes", slug="image-too-large")
    if not data:
        raise Unprocessable("the image is empty", slug="empty-image")
    found = media_type(data)
    if found is None:
        raise UnsupportedMediaType("only PNG, JPEG and WebP images", slug="not-an-image")
    return found
