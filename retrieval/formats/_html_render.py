"""The DOM walk behind :func:`retrieval.formats.html_page.render` (BeautifulSoup + lxml, loaded
only when a page is HTML)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .html_page import HtmlDoc, HtmlLine

_DROP = {"script", "style", "noscript", "template", "head", "svg", "button", "iframe", "form"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hr", "html", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot",
    "tr", "ul", "caption", "center",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_EMPH = {"a", "b", "strong", "em", "i", "papertitle", "cite", "u"}
_MAX_NESTING = 150  # deeper elements are read flat, without recursion
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_TITLE_CLASS = re.compile(r"title", re.I)
_BIBTEX = re.compile(r"^\s*@\w+\s*[{(]")


class _Renderer:
    def __init__(self) -> None:
        self.lines: list[HtmlLine] = []
        self.cur: list[str] = []
        self.cur_emph: list[str] = []
        self.cur_strong: list[str] = []
        self.cur_heading = 0
        self.cur_item = False
        self.pre = 0
        self.depth = 0

    def newline(self, blank: bool = False) -> None:
        text = re.sub(r"[ \u00a0\u200b]+", " ", "".join(self.cur)).strip(" ")
        text = re.sub(r" *\t *", "\t", text).strip("\t ")
        if text:
            self.lines.append(
                HtmlLine(text, self.cur_heading, self.cur_item, self.cur_emph, self.cur_strong)
            )
        self.cur, self.cur_emph, self.cur_strong = [], [], []
        self.cur_heading, self.cur_item = 0, False
        if blank and self.lines and self.lines[-1].text:
            self.lines.append(HtmlLine(""))

    def text(self, s: str) -> None:
        if self.pre:
            parts = s.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.newline()
                self.cur.append(part)
        else:
            self.cur.append(re.sub(r"\s+", " ", s))

    def walk(self, node: Tag) -> None:
        prev: Tag | None = None
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    self.text(str(child))
                    if str(child).strip() or (prev is not None and "\n" in str(child)):
                        prev = None
                continue
            if not isinstance(child, Tag):
                continue
            # Two classed inline fields with nothing between them ("<span class=authors>..
            # </span><span class=venue>..") are styled as separate lines by their site.
            if prev is not None and _classes(prev) and _classes(child) and child.name == prev.name:
                self.newline()
            self.element(child)
            prev = child

    def element(self, el: Tag) -> None:
        name = el.name.lower()
        if name in _DROP or _is_hidden(el):
            return
        if self.depth >= _MAX_NESTING:
            self.flat(el)
            return
        self.depth += 1
        try:
            self.element_in(el, name)
        finally:
            self.depth -= 1

    def flat(self, el: Tag) -> None:
        """An element nested deeper than any real page: its text, one line per text node,
        read without recursion (a 20,000-deep ``<div>`` tower must not crash the reader)."""
        self.newline()
        dropped: set[int] = set()  # ids of dropped elements under ``el``
        for node in el.descendants:
            parent = node.parent
            if isinstance(parent, Tag) and id(parent) in dropped:
                if isinstance(node, Tag):
                    dropped.add(id(node))
                continue
            if isinstance(node, Tag):
                if _is_dropped(node):
                    dropped.add(id(node))
            elif type(node) is NavigableString and node.strip():
                self.text(str(node))
                self.newline()

    def element_in(self, el: Tag, name: str) -> None:
        if name == "br":
            self.newline()
            return
        if name == "pre" and _BIBTEX.match(el.get_text()):
            return  # hidden BibTeX: a copy of the entry, not shown by a browser
        if name == "details" and el.get("open") is None:
            summary = el.find("summary")
            self.newline()
            if isinstance(summary, Tag):
                self.walk(summary)
            self.newline()
            return
        if name in ("td", "th"):
            if self.cur and "".join(self.cur).strip():
                self.cur.append("\t")
            self.walk(el)
            return
        heading = _HEADINGS.get(name, 0)
        block = heading or name in _BLOCK
        if block:
            self.newline(blank=name in ("p", "ul", "ol", "table") or bool(heading))
            if name in ("li", "tr", "dt"):
                self.cur_item = True
        if name == "pre":
            self.pre += 1
        start = len(self.cur)
        self.walk(el)
        if name == "pre":
            self.pre -= 1
        if heading:
            self.cur_heading = heading
        emph = name in _EMPH or _TITLE_CLASS.search(" ".join(_classes(el)))
        if emph and not block:
            span = re.sub(r"\s+", " ", "".join(self.cur[start:])).strip()
            if span:
                self.cur_emph.append(span)
                if name in ("b", "strong"):
                    self.cur_strong.append(span)
        if block:
            self.newline(blank=name == "p" or bool(heading))


def _is_dropped(el: Tag) -> bool:
    return el.name.lower() in _DROP or _is_hidden(el)


def _classes(el: Tag) -> list[str]:
    cls = el.get("class")
    if not cls:
        return []
    return [cls] if isinstance(cls, str) else [str(c) for c in cls]


def _is_hidden(el: Tag) -> bool:
    style = el.get("style")
    if isinstance(style, str) and _HIDDEN.search(style):
        return True
    return el.get("hidden") is not None or (el.get("aria-hidden") == "true" and el.name != "span")


def render_html(html: str) -> HtmlDoc:
    """Render ``html`` to lines (blank lines between paragraphs, like a browser copy)."""
    soup = BeautifulSoup(html, "lxml")
    title_el = soup.find("title")
    title = re.sub(r"\s+", " ", title_el.get_text()).strip() if title_el else None
    h1 = [re.sub(r"\s+", " ", h.get_text()).strip() for h in soup.find_all("h1")]
    r = _Renderer()
    body = soup.body or soup
    r.walk(body)
    r.newline()
    lines = r.lines
    while lines and not lines[-1].text:
        lines.pop()
    return HtmlDoc(lines, title or None, [h for h in h1 if h])
