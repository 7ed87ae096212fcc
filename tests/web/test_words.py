"""Every word a template asks for exists in Korean and English, and no page area defines a
word twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stampede.web.domain.words import WORDS, merge
from stampede.web.views import HERE

TEMPLATES = HERE / "templates"
SOURCES = Path(__file__).parents[2] / "src" / "stampede" / "web"
ASKED = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")  # literal keys only


def asked_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    files = [*TEMPLATES.rglob("*.html"), *SOURCES.rglob("*.py")]
    for path in files:
        for key in ASKED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(key, set()).add(path.name)
    return found


def test_every_asked_word_exists() -> None:
    missing = {key: where for key, where in asked_keys().items() if key not in WORDS}
    assert not missing


def test_every_word_has_both_languages() -> None:
    empty = [key for key, (ko, en) in WORDS.items() if not ko.strip() or not en.strip()]
    assert not empty


def test_placeholders_agree_between_languages() -> None:
    fields = re.compile(r"{(\w+)}")
    differ = [
        key for key, (ko, en) in WORDS.items() if set(fields.findall(ko)) != set(fields.findall(en))
    ]
    assert not differ


def test_a_word_defined_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        merge({"a.b": ("가", "a")}, {"a.b": ("나", "b")})


def test_the_check_finds_a_missing_word() -> None:
    assert ASKED.findall('{{ t("no.such.word") }}') == ["no.such.word"]
    assert "no.such.word" not in WORDS
