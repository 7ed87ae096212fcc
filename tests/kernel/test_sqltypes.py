"""Ids made by the kernel: random version-4 UUIDs in their usual form."""

from __future__ import annotations

import uuid

from stampede.kernel.sqltypes import new_id


def test_new_ids_are_distinct_version_4_uuids_in_canonical_form() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for made in ids:
        parsed = uuid.UUID(made)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == made
    variants = {made[19] for made in ids}
    assert variants == set("89ab")  # every variant digit occurs: the bits are random, not fixed
