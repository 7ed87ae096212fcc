"""The pages a visitor meets first, checked in the browser for what assistive technology needs:
the page's language, one main heading, a label for every field, a name for every button and
link, a text alternative for every image, and a keyboard path to the content (skip link)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.site import DEMO, Site, log_in

GUEST_PAGES = ["/", "/login", "/signup", "/search", "/community"]
MEMBER_PAGES = ["/my", "/my/inbox", "/my/preferences", "/my/profile", "/wishlist", "/alerts"]

FIND_PROBLEMS = """() => {
  const problems = [];
  const visible = (el) => el.type !== 'hidden' && el.getClientRects().length > 0;
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!visible(el)) continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
      || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`field without a label: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    const name = (el.innerText || el.getAttribute('aria-label') || el.title || '').trim()
      || (el.querySelector('img[alt]') && el.querySelector('img[alt]').alt);
    if (!name) problems.push(`unnamed control: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`no alt: ${img.outerHTML.slice(0, 120)}`);
  }
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  if (!document.documentElement.lang) problems.push('no page language');
  for (const el of document.querySelectorAll('[style], [onclick], [onload], [onchange]')) {
    problems.push(`inline style or handler: ${el.outerHTML.slice(0, 120)}`);
  }
  return problems;
}"""


def problems_on(page: Any, path: str) -> list[str]:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
    return [f"{path}: {problem}" for problem in page.evaluate(FIND_PROBLEMS)]


def test_guest_pages_can_be_used_without_sight(new_page: Any) -> None:
    found = [problem for path in GUEST_PAGES for problem in problems_on(new_page, path)]
    assert not found


def test_member_pages_can_be_used_without_sight(new_page: Any) -> None:
    log_in(new_page, *DEMO["minji"])
    found = [problem for path in MEMBER_PAGES for problem in problems_on(new_page, path)]
    assert not found


@pytest.mark.parametrize("path", ["/", "/login"])
def test_the_first_tab_offers_a_skip_to_the_content(new_page: Any, site: Site, path: str) -> None:
    page = new_page
    page.goto(path)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
