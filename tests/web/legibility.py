"""Checks of a drawn page in the browser for what sighted users need: text that stands out
from its background (WCAG 2 AA: 4.5:1, 3:1 for large text) and, on a phone 375 px wide,
nothing that makes the whole page scroll sideways (a wide seat map or table scrolls inside its
own box). ``test_legibility.py`` runs them over every page of each role; each journey runs them
on its final page."""

from __future__ import annotations

from typing import Any

PHONE = {"width": 375, "height": 800}

# The contrast of each element's own text with the colour behind it: the backgrounds of the
# element and its ancestors laid over white, the text colour laid over that.
FIND_FAINT_TEXT = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, below) => { const a = top[3] + below[3] * (1 - top[3]);
    return [0, 1, 2].map(i => (top[i] * top[3] + below[i] * below[3] * (1 - top[3])) / a)
      .concat([a]); };
  const behind = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break; }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]); };
  const light = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const problems = [];
  for (const el of document.body.querySelectorAll('*')) {
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.getClientRects().length) continue;
    if (el.closest(':disabled, .sr-only, .skip, [aria-hidden=true], del, option')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const back = behind(el), fore = over(parse(style.color), back);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const [hi, lo] = [light(fore), light(back)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const what = `<${el.tagName.toLowerCase()} class="${el.className}">`;
    if (ratio < needed) problems.push(
      `${ratio.toFixed(2)} < ${needed}: ${what} ${el.textContent.trim().slice(0, 40)}`);
  }
  return problems;
}"""

FIND_OVERFLOW = """() => {
  if (document.documentElement.scrollWidth <= window.innerWidth) return [];
  const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
  const boxed = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement)
      if (scrolls(e)) return true;
    return false; };
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !boxed(el))
    .slice(0, 5).map(el => `${el.tagName.toLowerCase()}.${el.className} reaches ` +
      `${Math.round(el.getBoundingClientRect().right)} px`);
  return wide.length ? wide : [`the page is ${document.documentElement.scrollWidth} px wide`];
}"""


def legibility_problems(page: Any) -> list[str]:
    """Faint text on the page as it is, then anything wider than a phone (the page is drawn
    again at phone width, and its size put back afterwards)."""
    found = [f"faint: {problem}" for problem in page.evaluate(FIND_FAINT_TEXT)]
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        found += [f"wide: {problem}" for problem in page.evaluate(FIND_OVERFLOW)]
    finally:
        page.set_viewport_size(size)
    return found
