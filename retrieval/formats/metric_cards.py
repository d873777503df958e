"""Name heading, header metrics, then cards of category+date, title, authors · org, abstract (seed 002).

Huazhong Yang
CV
h-index26
62papers
...
62 Papers
LGJul 1, 2024Code
Efficient Expert Pruning for Sparse Mixture-of-Experts Language Models ...
Enshu Liu, Junyi Zhu, Zinan Lin et al. · microsoft-research
The rapid advancement of large language models ...
"""

from __future__ import annotations

import re

from ..models import NameSource
from ._page import RawEntry, RawPage, StatedCount
from ._text import Line, is_person_name, parse_author_list, parse_cat_date, parse_metric

FORMAT = "metric-cards"
_LIST_HEADING = re.compile(r"^(\d[\d,]*)\s+Papers?$", re.IGNORECASE)
_FIELD = re.compile(r"^[A-Z]{2,3}$")


def sniff(lines: list[Line]) -> bool:
    heads = [i for i, ln in enumerate(lines) if parse_cat_date(ln.text)]
    if not heads:
        return False
    # Cards: the title stands alone on the line after the head, and a blank line follows it.
    carded = sum(
        1 for i in heads if i + 2 < len(lines) and not lines[i + 1].blank and lines[i + 2].blank
    )
    return 2 * carded >= len(heads)


def _authors_and_orgs(text: str) -> tuple[list[str], bool, list[str]] | None:
    main, _, orgs = text.partition(" · ")
    parsed = parse_author_list(main)
    if parsed is None:
        return None
    org_list = [o.strip() for o in orgs.split(",") if o.strip()] if orgs else []
    return parsed[0], parsed[1], org_list


def parse(lines: list[Line]) -> RawPage:
    page = RawPage(format=FORMAT)
    first_head = next((i for i, ln in enumerate(lines) if parse_cat_date(ln.text)), len(lines))
    _parse_header(page, lines[:first_head])
    current: RawEntry | None = None
    state = "head"
    for ln in lines[first_head:]:
        if ln.blank:
            continue
        cd = parse_cat_date(ln.text)
        if cd is not None:
            if current is not None and state == "title":
                page.warn("incomplete_entry", "entry has no title", current.line)
            current = page.start_dated_entry(ln.number, cd)
            state = "title"
        elif current is None:
            page.unparsed(ln.number, ln.text)
        elif (
            state == "title"
            and (ao := _authors_and_orgs(ln.text)) is not None
            and (len(ao[0]) > 1 or ao[1] or ao[2])
        ):
            # The title line is missing: this is the card's author line.
            page.warn("missing_title", "entry has no title line; read without a title", ln.number)
            current.authors, current.authors_truncated, current.orgs = ao
            state = "abstract"
        elif state == "title":
            current.title = ln.text.strip()
            state = "authors"
        elif state == "authors" and (ao := _authors_and_orgs(ln.text)) is not None:
            current.authors, current.authors_truncated, current.orgs = ao
            state = "abstract"
        elif state in ("authors", "abstract"):
            current.abstract = ln.text.strip()
            state = "done"
        else:
            page.unparsed(ln.number, ln.text)
    return page


def _parse_header(page: RawPage, header: list[Line]) -> None:
    for ln in header:
        text = ln.text.strip()
        if not text:
            continue
        if page.name is None and is_person_name(text):
            page.name, page.name_source, page.name_line = text, NameSource.heading, ln.number
        elif m := _LIST_HEADING.match(text):
            page.stated_counts.append(
                StatedCount("list_heading", int(m[1].replace(",", "")), ln.number)
            )
        elif _FIELD.match(text) and "field" not in page.metrics:
            page.metrics["field"] = text
        elif (metric := parse_metric(text)) is not None:
            key, value = metric
            page.metrics[key] = value
            if key == "papers" and isinstance(value, int):
                page.stated_counts.append(StatedCount("papers", value, ln.number))
        else:
            page.unparsed(ln.number, text)
