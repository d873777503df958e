"""Site name, "Collaborating Authors", "Last, First" heading, then title / venue / abstract
triplets with no authors and no dates (seed 003).

    Goto
    Collaborating Authors
     Guo, Zhenyu
    Causal Mean Field Multi-Agent Reinforcement Learning
    arXiv.org Artificial Intelligence
    Scalability remains a challenge ...
"""

from __future__ import annotations

import re

from ..categories import normalize_category
from ..models import NameSource
from ._page import RawEntry, RawPage
from ._text import Line, is_person_name, normalize_person_name

FORMAT = "collab-list"
_MARKER = re.compile(r"^\s*Collaborating Authors\s*$", re.IGNORECASE)
_VENUE = re.compile(r"^(arXiv(\.org)?|bioRxiv|medRxiv|SSRN|ACM|IEEE|Springer|Elsevier)\b.{0,80}$")


def sniff(lines: list[Line]) -> bool:
    if any(_MARKER.match(ln.text) for ln in lines[:20]):
        return True
    return sum(1 for ln in lines if _VENUE.match(ln.text.strip())) >= 2


def parse(lines: list[Line]) -> RawPage:
    page = RawPage(format=FORMAT)
    body = [ln for ln in lines if not ln.blank]
    start = 0
    marker = next((i for i, ln in enumerate(body[:20]) if _MARKER.match(ln.text)), None)
    if marker is not None:
        if marker > 0:
            page.skip(body[0].number, body[marker - 1].number, "site name above the heading")
        nxt = body[marker + 1] if marker + 1 < len(body) else None
        if nxt is not None and is_person_name(normalize_person_name(nxt.text)):
            page.name = normalize_person_name(nxt.text)
            page.name_source, page.name_line = NameSource.heading, nxt.number
            start = marker + 2
        else:
            start = marker + 1
    i = start
    while i < len(body):
        title = body[i]
        venue = body[i + 1] if i + 1 < len(body) else None
        if venue is None or not _VENUE.match(venue.text.strip()):
            page.unparsed(title.number, title.text)
            i += 1
            continue
        entry = RawEntry(line=title.number, title=title.text.strip(), venue=venue.text.strip())
        code = normalize_category(entry.venue or "")
        if code:
            entry.categories = [code]
        abstract = body[i + 2] if i + 2 < len(body) else None
        # An abstract is never a venue line and never followed directly by a venue line (a title is).
        nxt_is_venue = i + 3 < len(body) and _VENUE.match(body[i + 3].text.strip())
        if abstract is not None and not _VENUE.match(abstract.text.strip()) and not nxt_is_venue:
            entry.abstract = abstract.text.strip()
            i += 3
        else:
            page.warn("missing_abstract", "entry has no abstract", title.number)
            i += 2
        page.entries.append(entry)
    return page
