"""Entries anchored on an author line: title above (or below), venue/year/abstract under it."""

from __future__ import annotations

from dataclasses import dataclass

from ._lines import GLine
from ._names import is_author_line, known_names, parse_authors
from ._vocab import (
    _ABSTRACT_START,
    _PROSE_START,
    _VENUE_WORDS,
    _words,
    clean_title,
    find_year,
    is_link_line,
    title_ok,
)


@dataclass
class _Draft:
    start: int  # line index
    end: int  # last line index used
    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    abstract: str | None
    url: str | None = None
    kind: str | None = None


def _title_below(lines: list[GLine], a_end: int, known: set[str]) -> bool:
    """Whether the entry reads authors, then title, then a venue/year line."""
    if a_end + 2 >= len(lines):
        return False
    below, venue = lines[a_end + 1], lines[a_end + 2]
    if below.blank or venue.blank or below.heading or is_author_line(below, known):
        return False
    text = below.text.strip()
    if find_year(text) or is_link_line(text) or not title_ok(clean_title(text)):
        return False
    return bool(find_year(venue.text) or _VENUE_WORDS.search(venue.text))


def _tail_kind(text: str) -> str:
    t = text.strip()
    if is_link_line(t):
        return "link"
    if _ABSTRACT_START.match(t) or (len(t) > 180 and t.count(". ") >= 1):
        return "abstract"
    return "other"


def _block_entries(lines: list[GLine], kinds: list[str], years: list[int | None]) -> list[_Draft]:
    n = len(lines)
    known = known_names(lines)
    author_idx = [
        i
        for i in range(n)
        if kinds[i] not in ("heading", "other") and is_author_line(lines[i], known)
    ]
    drafts: list[_Draft] = []
    used_until = -1
    k = 0
    while k < len(author_idx):
        a = author_idx[k]
        a_end = a
        # An author list wrapped over two lines ("..., Laura Middleton*," / "Kayla Regan*, ...").
        while (
            k + 1 < len(author_idx)
            and author_idx[k + 1] == a_end + 1
            and lines[a_end].text.rstrip().endswith(",")
        ):
            k += 1
            a_end = author_idx[k]
        # Title: the contiguous non-blank lines just above, after what the last entry used.
        before: list[int] = []  # a venue line between title and authors
        j = a - 1
        tl: list[int] = []
        while j > used_until and not lines[j].blank and kinds[j] not in ("heading",):
            if is_author_line(lines[j], known):
                break
            tl.insert(0, j)
            j -= 1
        tl = [
            x
            for x in tl
            if not is_link_line(lines[x].text) and _tail_kind(lines[x].text) != "abstract"
        ]
        if len(tl) > 2:
            tl = tl[-2:]
        if len(tl) == 2:
            first, second = lines[tl[0]].text.strip(), lines[tl[1]].text.strip()
            joinable = second[:1].islower() or second.split()[0].lower() in (
                "with",
                "and",
                "for",
                "via",
                "from",
                "in",
                "on",
                "of",
            )
            if find_year(second) and not find_year(first) and len(_words(second)) <= 14:
                before = [tl[1]]  # title / venue-year / authors
                tl = tl[:1]
            elif not joinable or (first.endswith((".", "?", "!")) and not first[-2:-1].isupper()):
                tl = tl[1:]
        title = clean_title(" ".join(lines[x].text.strip() for x in tl)) if tl else ""
        tail_start = a_end + 1
        if not tl and _title_below(lines, a_end, known):
            # Authors first: "A. Author, B. Author" / title / venue-year.
            tl, tail_start = [a_end + 1], a_end + 2
            title = clean_title(lines[a_end + 1].text)
        if (
            not tl
            or not title_ok(title)
            or (find_year(title) and _VENUE_WORDS.search(title) and len(_words(title)) < 6)
        ):
            k += 1
            continue
        authors = parse_authors(" ".join(lines[x].text.strip() for x in range(a, a_end + 1))) or []
        # Tail: until a blank line, the next entry's title or a heading.
        next_a = author_idx[k + 1] if k + 1 < len(author_idx) else n
        stop = next_a - 1  # the next entry's title line
        tail: list[int] = []
        i = tail_start
        while i < min(stop, n) and not lines[i].blank and kinds[i] != "heading":
            tail.append(i)
            i += 1
        # An abstract may follow after one blank line ("Abstract: ...").
        if (
            i < n
            and lines[i].blank
            and i + 1 < min(stop, n)
            and _ABSTRACT_START.match(lines[i + 1].text.strip())
        ):
            tail.append(i + 1)
        venue = None
        year = None
        abstract = None
        for t in before + tail:
            text = lines[t].text.strip()
            kind = _tail_kind(text)
            if kind == "abstract":
                if abstract is None:
                    abstract = (
                        _ABSTRACT_START.sub(lambda m: m.group(0)[-1], text)
                        if _ABSTRACT_START.match(text)
                        else text
                    )
                continue
            if kind == "link":
                continue
            y = find_year(text)
            if venue is None and (y or _VENUE_WORDS.search(text)) and len(text) < 250:
                venue = text
            if year is None and y and len(text) < 250:
                year = y
        if venue is None:
            short = [
                lines[t].text.strip()
                for t in tail
                if _tail_kind(lines[t].text) == "other" and len(lines[t].text) < 120
            ]
            venue = short[0] if short else None
        if year is None:
            year = years[a]
        end = max([a_end, *tl, *tail])
        drafts.append(_Draft(min(tl[0], a), end, title, authors, venue, year, abstract))
        used_until = end
        k += 1
    return drafts


def _attach_descriptions(lines: list[GLine], kinds: list[str], drafts: list[_Draft]) -> None:
    """A paragraph after an entry, one blank line down and before the next entry's title, is
    its description (Barron-style summaries, bullet highlights): kept as the abstract."""
    starts = sorted(d.start for d in drafts)
    for d in drafts:
        if d.abstract is not None:
            continue
        nxt = next((x for x in starts if x > d.end), len(lines))
        i = d.end + 1
        if i >= len(lines) or not lines[i].blank:
            continue
        i += 1
        body: list[int] = []
        while i < nxt and not lines[i].blank and kinds[i] not in ("heading", "other"):
            body.append(i)
            i += 1
        texts = [lines[x].text.strip() for x in body]
        if not texts or any(is_link_line(t) for t in texts) or (i >= nxt and nxt < len(lines)):
            continue  # the paragraph runs into the next entry: it is that entry's title
        text = " ".join(texts)
        if (len(_words(text)) >= 5 and not _PROSE_START.match(text)) or text.endswith("."):
            d.abstract = text[:2000]
            d.end = body[-1]
