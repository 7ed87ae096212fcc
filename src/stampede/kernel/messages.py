"""Messages between contexts and the envelope they travel in.

Events are frozen pydantic models named in the past tense; their wire name is
``<source>.<ClassName>`` where ``source`` is the publishing context. An :class:`Envelope` carries
the CloudEvents attributes (id, type, source, time, subject) plus the W3C ``traceparent``.
"""

from __future__ import annotations

import builtins
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

E = TypeVar("E", bound="Event")


class Event(BaseModel):
    """Something that happened in the publishing context; any number of consumers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source: ClassVar[str] = ""

    @classmethod
    def wire_name(cls) -> str:
        return f"{cls.source}.{cls.__name__}"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Envelope:
    """One event on the wire; ``id`` is what inboxes deduplicate on."""

    type: str
    source: str
    data: dict[str, Any]
    subject: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=now)
    traceparent: str = ""

    @property
    def routing_key(self) -> str:
        return f"{self.source}.{self.type}"

    @classmethod
    def wrap(cls, event: Event, subject: str = "", traceparent: str = "") -> Envelope:
        return cls(
            type=type(event).__name__,
            source=type(event).source,
            data=event.model_dump(mode="json"),
            subject=subject,
            traceparent=traceparent,
        )

    def open(self, kind: builtins.type[E]) -> E:
        return kind.model_validate(self.data)

    def to_json(self) -> bytes:
        body = {
            "specversion": "1.0",
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "traceparent": self.traceparent,
            "data": self.data,
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        body = json.loads(raw)
        return cls(
            id=body["id"],
            type=body["type"],
            source=body["source"],
            subject=body.get("subject", ""),
            time=datetime.fromisoformat(body["time"]),
            traceparent=body.get("traceparent", ""),
            data=body["data"],
        )
