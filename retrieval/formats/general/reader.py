"""The general reader: any researcher's publication list, as copied text, Markdown or HTML lines.

Rules, not a layout per site. The page is cut into sections by its headings (a section named
like news, talks, teaching, service, grants, demos, patents or software holds no papers and is
reported in ``skipped``; year headings set the year of what follows). Entries are then found
two ways:

* blocks anchored on an author line: the lines just above it are the title, the lines below
  it (until a blank line or the next entry's title) the venue, year, links and abstract;
* one-line citations ("Authors (2020). Title. In Venue.", "Title (with X). 2020. Journal",
  "Surname, I.; ..., Title, Venue, 2020.", "Title: Authors, Journal, 2020", numbered lists),
  where emphasised spans of HTML (links, bold) name the title when there are any.

Every title is a span of the page text. ``seen`` counts the entry-like lines of paper sections
so that :mod:`retrieval.parse` can say when the parse falls short.
"""

from __future__ import annotations

import re
from collections import Counter

from ...models import NameSource
from ...names import name_key
from .._page import RawEntry, RawPage
from ..html_page import HtmlDoc
from ._blocks import _attach_descriptions, _block_entries
from ._citations import _is_citation_candidate, _line_entries
from ._lines import GLine
from ._names import _clean_name, clear_name_cache, is_author_line, known_names, looks_like_name
from ._vocab import (
    _CJK,
    _HONORIFIC,
    _OTHER_HEADS,
    _OTHER_REASON,
    _PAREN,
    _all_vocab,
    _heading_text,
    classify_heading,
    is_link_line,
)

FORMAT = "general"


def _sections(lines: list[GLine]) -> tuple[list[str], list[int | None], list[str]]:
    """Per line: section kind, heading year in force, heading text."""
    kinds: list[str] = []
    years: list[int | None] = []
    heads: list[str] = []
    kind, year, head = "neutral", None, ""
    for i, ln in enumerate(lines):
        c = None
        if not ln.blank:
            prev_blank = i == 0 or lines[i - 1].blank or lines[i - 1].heading
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            short = len(ln.text) <= 60
            isolated = prev_blank and (nxt is None or nxt.blank)
            link = is_link_line(ln.text)
            if ln.heading or (short and (not link or (isolated and _all_vocab(ln.text)))):
                c = classify_heading(ln)
                # A line in plain text is a heading when it is made of section words, or
                # stands alone and is short.
                loose = not isolated or len(ln.text.split()) > 4 or re.search(r"\d", ln.text)
                if c and not ln.heading and c[0] != "year" and not _all_vocab(ln.text) and loose:
                    c = None
                if c and nxt is not None and is_author_line(nxt):
                    c = None  # a title whose first word happens to be "Software"
        if c:
            what, y = c
            if what == "year":
                year = y
            elif what == "neutral":
                # A top-level heading of no known kind ends a non-paper section; inside the
                # publications it is a topic group ("Machine Learning") and changes nothing.
                if ln.heading and ln.heading <= 2 and kind != "paper":
                    kind, head, year = "neutral", ln.text.strip(), None
            else:
                kind, head, year = what, ln.text.strip(), None
            kinds.append("heading")
        else:
            kinds.append(kind)
        years.append(year)
        heads.append(head)
    return kinds, years, heads


def _owner(
    lines: list[GLine], doc: HtmlDoc | None, author_lists: list[list[str]]
) -> tuple[str | None, int | None]:
    """The owner's name as the page writes it, and its line: a name in the first lines, the
    ``<h1>`` or ``<title>``, or an "I am ..." sentence, preferring one whose family name signs
    the papers; else a bolded name on most entries. None when the page names nobody."""

    def support(name: str) -> int:
        toks = _CJK.sub("", _PAREN.sub("", _HONORIFIC.sub("", name))).split()
        if not toks:
            return 0
        fam = {name_key(t) for t in toks if len(t) > 1}
        return sum(
            1 for a in author_lists if any(name_key(x.split()[-1]) in fam for x in a if x.split())
        )

    cands: list[tuple[str, int | None]] = []
    for ln in lines[:15]:
        if ln.blank:
            continue
        for part in re.split(r"\s{2,}|\t|\s[|·–—\-:]\s", ln.text):
            got = looks_like_name(part)
            if got:
                cands.append((got, ln.number))
    if doc is not None:
        for h in doc.h1:
            got = looks_like_name(h)
            if got:
                cands.append((got, None))
        if doc.title:
            for part in re.split(r"\s[|·\-–—:]\s", doc.title):
                got = looks_like_name(part)
                if got:
                    cands.append((got, None))
    for ln in lines:
        m = re.search(
            r"\b(?:I am|I'm|My name is)\s+([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-.]+){1,3})", ln.text
        )
        if m and looks_like_name(m.group(1)):
            cands.append((m.group(1), ln.number))
            break
    n = sum(1 for a in author_lists if a)
    if cands:
        best = max(cands, key=lambda c: (support(c[0]) >= max(1, 0.3 * n), -cands.index(c)))
        return best
    # A bolded name on most entries.
    strong = Counter(s for ln in lines for s in ln.strong if looks_like_name(_clean_name(s)))
    if strong:
        name, count = strong.most_common(1)[0]
        if count >= 3 and support(name) >= 0.5 * n:
            return _clean_name(name), None
    return None, None


def read(lines: list[GLine], fmt: str = FORMAT, doc: HtmlDoc | None = None) -> RawPage:
    """Read a page's lines (``doc``: the HTML document they were rendered from, if any)."""
    clear_name_cache()  # the cache serves one page: memory stays bounded, timings honest
    page = RawPage(format=fmt)
    kinds, years, heads = _sections(lines)
    drafts = _block_entries(lines, kinds, years)
    _attach_descriptions(lines, kinds, drafts)
    used = {i for d in drafts for i in range(d.start, d.end + 1)}
    has_paper_heads = any(k == "paper" for k in kinds)
    line_drafts = _line_entries(lines, kinds, years, used, strict=has_paper_heads)
    # One-line citations only count when the page is read that way (or blocks found few).
    if len(line_drafts) >= 2 or not drafts:
        drafts = sorted(drafts + line_drafts, key=lambda d: d.start)
    # Duplicates (same title twice, e.g. a "selected" list above the full one): keep the first.
    seen_titles: dict[str, int] = {}
    repeats = 0
    for d in drafts:
        key = re.sub(r"[\W_]+", " ", d.title.lower()).strip()
        if key in seen_titles:
            repeats += 1
            page.warn(
                "duplicate_entry",
                f"{d.title[:60]!r} is listed again; kept the first listing (line {seen_titles[key]}), "
                "completed with what this one adds",
                lines[d.start].number,
            )
            kept = next(e for e in page.entries if e.line == seen_titles[key])
            kept.authors = kept.authors or d.authors
            kept.venue = kept.venue or d.venue
            kept.abstract = kept.abstract or d.abstract
            if kept.year is None and d.year is not None:
                kept.year, kept.date_text = d.year, str(d.year)
            continue
        seen_titles[key] = lines[d.start].number
        page.entries.append(
            RawEntry(
                line=lines[d.start].number,
                title=d.title,
                authors=d.authors,
                venue=d.venue,
                year=d.year,
                date_text=str(d.year) if d.year else None,
                abstract=d.abstract,
                kind=d.kind,
            )
        )
    _skip_other_sections(page, lines, kinds, heads)
    # Entries listed twice were read twice: they count once against the estimate too.
    seen, loose = _estimate(lines, kinds, used)
    page.seen_entries = max(0, seen - repeats)
    read_lines = {i for d in drafts for i in range(d.start, d.end + 1)}
    for i in loose:
        if i not in read_lines:  # looks like an entry, but none was read from it
            page.unparsed(lines[i].number, lines[i].text)
    name, line = _owner(lines, doc, [e.authors for e in page.entries])
    if name:
        page.name, page.name_source, page.name_line = name, NameSource.heading, line
    return page


def _skip_other_sections(
    page: RawPage, lines: list[GLine], kinds: list[str], heads: list[str]
) -> None:
    i = 0
    n = len(lines)
    while i < n:
        if kinds[i] == "other":
            j = i
            while j + 1 < n and kinds[j + 1] == "other":
                j += 1
            content = [x for x in range(i, j + 1) if not lines[x].blank]
            if content:
                head = heads[i]
                m = _OTHER_HEADS.search(_heading_text(head))
                word = m.group(1).lower().rstrip("s") if m else "other"
                reason = _OTHER_REASON.get(word, _OTHER_REASON.get(word + "s", word))
                page.skip(
                    lines[content[0] - 1].number if content[0] > 0 else lines[content[0]].number,
                    lines[content[-1]].number,
                    f"{reason} section {head!r}: not papers",
                )
            i = j + 1
        else:
            i += 1


def _estimate(lines: list[GLine], kinds: list[str], used: set[int]) -> tuple[int, list[int]]:
    """How many entries the page seems to list (author lines, and citation-like lines in paper
    sections), and which of those lines no block entry used."""
    count = 0
    loose: list[int] = []
    known = known_names(lines)
    for i, ln in enumerate(lines):
        if kinds[i] in ("heading", "other") or ln.blank:
            continue
        if is_author_line(ln, known):
            prev = lines[i - 1] if i > 0 else None
            # An entry's author line sits right under its title (a wrapped list counts once).
            if prev is None or prev.blank or prev.heading or is_author_line(prev, known):
                continue
            count += 1
            if i not in used:
                loose.append(i)
        elif i not in used and kinds[i] == "paper" and _is_citation_candidate(ln):
            count += 1
            loose.append(i)
    return count, loose
