"""The declarative base every catalog table hangs on (the catalog's own MetaData)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from stampede.kernel.sqltypes import context_metadata


class Base(DeclarativeBase):
    metadata = context_metadata()
