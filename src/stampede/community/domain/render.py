"""Member text as safe HTML.

Text is taken as plain text, never as HTML: every character is escaped, blank lines make
paragraphs, single line breaks ``<br>``, and http(s) links become anchors marked
``rel="nofollow noopener ugc"``. The result then passes nh3 (an allow-list sanitizer: ``p``,
``br`` and ``a href`` with http(s) only) as a second guard, so nothing a member writes can
become script, style or an event handler.
"""

from __future__ import annotations

import html
import re

import nh3

LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"  # punctuation after a link belongs to the sentence
REL = "nofollow noopener ugc"
_TAGS = {"p", "br", "a"}
_ATTRIBUTES = {"a": {"href"}}


def to_html(text: str) -> str:
    """Paragraphs of escaped text with their links as anchors; ``""`` for blank text."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    rendered = "".join(f"<p>{_lines(p.strip())}</p>" for p in paragraphs)
    return sanitized(rendered)


def sanitized(markup: str) -> str:
    return nh3.clean(
        markup, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https"}, link_rel=REL
    )


def _lines(paragraph: str) -> str:
    return "<br>".join(_linked(line) for line in paragraph.split("\n"))


def _linked(line: str) -> str:
    """The line escaped, with each link an anchor (its text and address escaped too)."""
    out, last = [], 0
    for match in LINK.finditer(line):
        url = match.group(0).rstrip(TRAILING)
        end = match.start() + len(url)
        out.append(html.escape(line[last : match.start()]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        last = end
    out.append(html.escape(line[last:]))
    return "".join(out)
