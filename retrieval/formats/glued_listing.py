"""Category+date line, title glued to authors, abstract; no blank lines (seed 001).

DCMay 20, 2022
MoESys: A Distributed ... Internet ServicesDianhai Yu, Liang Shen, Hongxiang Hao et al.
While modern internet services ...
"""

from __future__ import annotations

from ._page import RawEntry, RawPage
from ._text import Line, parse_cat_date, split_title_authors

FORMAT = "glued-listing"


def sniff(lines: list[Line]) -> bool:
    heads = [i for i, ln in enumerate(lines) if parse_cat_date(ln.text)]
    if not heads:
        return False
    glued = sum(1 for i in heads if i + 1 < len(lines) and split_title_authors(lines[i + 1].text))
    return 2 * glued >= len(heads)


def parse(lines: list[Line]) -> RawPage:
    page = RawPage(format=FORMAT)
    current: RawEntry | None = None
    state = "head"  # what the next non-blank line should be: head, title, abstract
    for ln in lines:
        if ln.blank:
            continue
        cd = parse_cat_date(ln.text)
        if cd is not None:
            if current is not None and state != "head":
                page.warn("incomplete_entry", f"entry ended before its {state}", current.line)
            current = page.start_dated_entry(ln.number, cd)
            state = "title"
        elif current is not None and state == "title":
            split = split_title_authors(ln.text)
            if split is None:
                current.title = ln.text.strip()
                page.warn("no_authors", "could not find an author list after the title", ln.number)
            else:
                current.title, current.authors, current.authors_truncated = split
            state = "abstract"
        elif current is not None and state == "abstract":
            current.abstract = ln.text.strip()
            state = "head"
        else:
            page.unparsed(ln.number, ln.text)
    return page
