"""Saved HTML pages: the DOM rendered to lines the way a browser copy would, with its hints.

BeautifulSoup (lxml) reads the page; scripts, styles, comments, ``display:none`` blocks and
hidden BibTeX ``<pre>`` blocks are dropped; block elements break lines and table cells are
tab-separated, like a browser's select-all copy. Each line keeps what only the DOM knows: its
heading level, whether a list item starts there, and the text of its emphasised spans (links,
``<strong>``/``<b>``, ``<em>``, ``*title*`` classes), which the general reader uses as title and
owner candidates. The result goes to the general reader (:mod:`retrieval.formats.general`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT = "html-page"


def sniff(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or (
        "<html" in head and ("<body" in text.lower() or "<div" in text.lower())
    )


@dataclass
class HtmlLine:
    """One rendered line with its DOM hints."""

    text: str
    heading: int = 0  # 1-6 for <h1>..<h6>
    item: bool = False  # a list item or table row starts on this line
    emph: list[str] = field(default_factory=list)  # emphasised spans inside the line
    strong: list[str] = field(default_factory=list)  # <strong>/<b> spans (owner marks)


@dataclass
class HtmlDoc:
    lines: list[HtmlLine]
    title: str | None  # the <title>
    h1: list[str]


def render(html: str) -> HtmlDoc:
    """Render ``html`` to lines (blank lines between paragraphs, like a browser copy)."""
    from ._html_render import render_html  # BeautifulSoup and lxml: only for HTML input

    return render_html(html)
