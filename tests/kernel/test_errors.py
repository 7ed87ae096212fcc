"""A shared error template raises as a new error, so raising it keeps no request alive."""

from __future__ import annotations

import pytest

from stampede.kernel.errors import TooManyRequests


def _raise(error: Exception) -> Exception:
    with pytest.raises(type(error)) as caught:
        raise error
    return caught.value


def test_a_fresh_copy_keeps_what_the_template_says_and_no_traceback() -> None:
    template = TooManyRequests("slow down", retry_after=7, slug="over-limit")
    first = _raise(template.fresh())
    second = template.fresh()
    assert first is not second and second.__traceback__ is None
    assert (second.detail, second.slug, second.retry_after) == ("slow down", "over-limit", 7)
    assert second.problem() == template.problem()
