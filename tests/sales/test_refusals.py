"""Every refused hold raises a new error: a shared one would chain each request's frames onto
its traceback and keep them alive (a leak and long collector pauses under a flash sale)."""

from __future__ import annotations

import pytest

from stampede.kernel.errors import Conflict
from stampede.sales.domain.holds import Verdict
from stampede.sales.handlers.holds import refusal


def _raised(error: Exception) -> Exception:
    with pytest.raises(type(error)) as caught:
        raise error
    return caught.value


def test_a_refused_hold_is_a_new_error_every_time() -> None:
    errors = [_raised(refusal(Verdict.SOLD_OUT)) for _ in range(3)]
    assert len({id(error) for error in errors}) == 3
    assert all(isinstance(error, Conflict) for error in errors)
    tracebacks = [error.__traceback__ for error in errors]
    depth = [len(list(_walk(tb))) for tb in tracebacks]
    assert depth[0] == depth[-1]  # no chain grows from one raise to the next


def _walk(tb: object) -> list[object]:
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = getattr(tb, "tb_next", None)
    return frames
