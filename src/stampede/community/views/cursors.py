"""Opaque page cursors: the (created_at, id) of the last row a page showed, base64 encoded.
A cursor this API did not give out is a 422 ``bad-cursor``."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

from stampede.community.store import Before
from stampede.kernel.errors import Unprocessable


def encode(created_at: datetime, row_id: str) -> str:
    raw = f"{created_at.astimezone(UTC).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode(cursor: str | None) -> Before | None:
    if not cursor:
        return None
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        created_at = datetime.fromisoformat(at)
        if created_at.utcoffset() is None:
            raise ValueError("naive time")
        return created_at.astimezone(UTC), str(uuid.UUID(row_id))
    except (ValueError, OverflowError) as exc:  # binascii and Unicode errors are ValueErrors
        raise Unprocessable("the cursor is not one this API gave out", slug="bad-cursor") from exc
