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


_CONTINUES = ("with", "and", "for", "via", "from", "in", "on", "of")


def _title_above(
    lines: list[GLine], kinds: list[str], a: int, used_until: int, known: set[str]
) -> tuple[list[int], list[int]]:
    """The title lines just above the author line at ``a`` (after what the last entry used),
    and a venue line found between them and the authors (title / venue-year / authors)."""
    tl: list[int] = []
    j = a - 1
    while j > used_until and not lines[j].blank and kinds[j] != "heading":
        if is_author_line(lines[j], known):
            break
        tl.insert(0, j)
        j -= 1
    tl = [
        x for x in tl if not is_link_line(lines[x].text) and _tail_kind(lines[x].text) != "abstract"
    ]
    tl = tl[-2:]
    if len(tl) < 2:
        return tl, []
    first, second = lines[tl[0]].text.strip(), lines[tl[1]].text.strip()
    if find_year(second) and not find_year(first) and len(_words(second)) <= 14:
        return tl[:1], tl[1:]
    # A title broken over two lines goes on in lower case or with a joining word.
    joinable = second[:1].islower() or second.split()[0].lower() in _CONTINUES
    if not joinable or (first.endswith((".", "?", "!")) and not first[-2:-1].isupper()):
        return tl[1:], []
    return tl, []


def _tail(lines: list[GLine], kinds: list[str], start: int, stop: int) -> list[int]:
    """The lines under the authors: until a blank line, the next entry's title or a heading;
    and an "Abstract: ..." paragraph one blank line down."""
    n = min(stop, len(lines))
    tail: list[int] = []
    i = start
    while i < n and not lines[i].blank and kinds[i] != "heading":
        tail.append(i)
        i += 1
    if i + 1 < n and lines[i].blank and _ABSTRACT_START.match(lines[i + 1].text.strip()):
        tail.append(i + 1)
    return tail


def _read_tail(lines: list[GLine], rows: list[int]) -> tuple[str | None, int | None, str | None]:
    """Venue (the first line with a year or a venue word), year and abstract of an entry."""
    venue = year = abstract = None
    for t in rows:
        text = lines[t].text.strip()
        kind = _tail_kind(text)
        if kind == "abstract":
            if abstract is None:
                m = _ABSTRACT_START.match(text)
                abstract = text[m.end() - 1 :] if m else text
            continue
        if kind == "link" or len(text) >= 250:
            continue
        y = find_year(text)
        if venue is None and (y or _VENUE_WORDS.search(text)):
            venue = text
        if year is None and y:
            year = y
    if venue is None:
        short = [
            lines[t].text.strip()
            for t in rows
            if _tail_kind(lines[t].text) == "other" and len(lines[t].text) < 120
        ]
        venue = short[0] if short else None
    return venue, year, abstract


def _block_entries(lines: list[GLine], kinds: list[str], years: list[int | None]) -> list[_Draft]:
    """Entries anchored on author lines, in page order."""
    known = known_names(lines)
    author_idx = [
        i
        for i in range(len(lines))
        if kinds[i] not in ("heading", "other") and is_author_line(lines[i], known)
    ]
    drafts: list[_Draft] = []
    used_until = -1
    k = 0
    while k < len(author_idx):
        a = a_end = author_idx[k]
        # An author list wrapped over two lines ("..., Laura Middleton*," / "Kayla Regan*, ...").
        while (
            k + 1 < len(author_idx)
            and author_idx[k + 1] == a_end + 1
            and lines[a_end].text.rstrip().endswith(",")
        ):
            k += 1
            a_end = author_idx[k]
        last = k + 1 >= len(author_idx)
        next_a = len(lines) if last else author_idx[k + 1]
        k += 1
        tl, before = _title_above(lines, kinds, a, used_until, known)
        tail_start = a_end + 1
        if not tl and _title_below(lines, a_end, known):
            tl, tail_start = [a_end + 1], a_end + 2  # authors first: authors / title / venue
        title = clean_title(" ".join(lines[x].text.strip() for x in tl))
        if (
            not tl
            or not title_ok(title)
            or (find_year(title) and _VENUE_WORDS.search(title) and len(_words(title)) < 6)
        ):
            continue
        authors = parse_authors(" ".join(lines[x].text.strip() for x in range(a, a_end + 1)))
        # Up to the next entry's title (the line above its authors); the last entry's tail
        # may run to the end of the page.
        tail = _tail(lines, kinds, tail_start, next_a if last else next_a - 1)
        venue, year, abstract = _read_tail(lines, before + tail)
        end = max([a_end, *tl, *tail])
        drafts.append(
            _Draft(min(tl[0], a), end, title, authors or [], venue, year or years[a], abstract)
        )
        used_until = end
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
