"""Author line, then abstract line, repeated; no titles, no dates (seed 000).

Peng Sun, Wansen Feng, Ruobing Han
It is important to scale out deep neural network (DNN) training ...
"""

from __future__ import annotations

from itertools import pairwise

from ._page import RawEntry, RawPage
from ._text import Line, parse_author_list

FORMAT = "author-abstract"
_MIN_ABSTRACT = 80


def sniff(lines: list[Line]) -> bool:
    body = [ln for ln in lines if not ln.blank]
    if len(body) < 2:
        return False
    pairs = sum(
        1
        for a, b in pairwise(body)
        if parse_author_list(a.text)
        and len(b.text) >= _MIN_ABSTRACT
        and not parse_author_list(b.text)
    )
    # Most of the page must be (authors, abstract) pairs.
    return pairs >= 1 and 2 * pairs >= 0.6 * len(body)


def parse(lines: list[Line]) -> RawPage:
    page = RawPage(format=FORMAT)
    current: RawEntry | None = None
    for ln in lines:
        if ln.blank:
            continue
        authors = parse_author_list(ln.text)
        if authors is not None:
            if current is not None and current.abstract is None:
                page.warn("missing_abstract", "author line with no abstract after it", current.line)
            current = RawEntry(line=ln.number, authors=authors[0], authors_truncated=authors[1])
            page.entries.append(current)
        elif current is not None and current.abstract is None:
            current.abstract = ln.text.strip()
        else:
            page.unparsed(ln.number, ln.text)
    if current is not None and current.abstract is None:
        page.warn("missing_abstract", "author line with no abstract after it", current.line)
    return page
