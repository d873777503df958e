"""Pages as lines: copied text and Markdown, or HTML rendered by :mod:`..html_page`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..html_page import HtmlDoc


@dataclass
class GLine:
    number: int
    text: str
    heading: int = 0
    item: bool = False
    emph: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def lines_from_text(text: str) -> list[GLine]:
    out = []
    for i, raw in enumerate(text.split("\n"), start=1):
        t = raw.rstrip()
        heading = 0
        m = re.match(r"^(#{1,6})\s+(.*)$", t)  # Markdown heading
        if m:
            heading, t = len(m[1]), m[2]
        item = bool(re.match(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s*)", t))
        t = re.sub(r"^(\s*)[-*+]\s+", r"\1", t)  # Markdown bullet
        t = re.sub(r"\[([^\]]+)\]\((?:[^)\s]+)\)", r"\1", t)  # Markdown links
        strong = [a or b for a, b in re.findall(r"\*\*(.+?)\*\*|__(.+?)__", t)]
        t = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda g: g[1] or g[2], t)
        emph = [
            a or b
            for a, b in re.findall(
                r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])",
                t,
            )
        ]
        t = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", t)
        t = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", t)
        out.append(GLine(i, t, heading, item, emph + strong, strong))
    return out


def lines_from_html(doc: HtmlDoc) -> list[GLine]:
    return [
        GLine(i, ln.text, ln.heading, ln.item, ln.emph, ln.strong)
        for i, ln in enumerate(doc.lines, start=1)
    ]
