"""One-line citations in the common styles, and the lines that look like one."""

from __future__ import annotations

import re
from typing import NamedTuple

from ._blocks import _Draft
from ._lines import GLine
from ._names import _authors_prefix, is_author_line, parse_authors
from ._vocab import (
    _ABSTRACT_START,
    _CITE_LABEL,
    _LINK_WORDS,
    _NUMBERING,
    _PROSE_START,
    _PUBLISHED_IN,
    _VENUE_WORDS,
    _words,
    clean_title,
    find_year,
    is_link_line,
    title_ok,
)

_ABBREV = set(
    [
        "al",
        "vs",
        "no",
        "nos",
        "vol",
        "pp",
        "proc",
        "int",
        "rev",
        "phys",
        "math",
        "comment",
        "approx",
        "funct",
        "théor",
        "nombres",
        "sci",
        "soc",
        "mol",
        "chem",
        "quant",
        "adv",
        "inf",
        "theor",
        "stat",
        "ann",
        "appl",
        "comput",
        "lett",
        "eng",
        "nat",
        "acad",
        "natl",
        "jr",
        "sr",
        "st",
        "dr",
        "prof",
        "univ",
        "dept",
        "conf",
        "trans",
        "symp",
        "ed",
        "eds",
        "j",
        "intl",
        "res",
        "sys",
        "mech",
        "biol",
        "med",
        "geom",
        "anal",
        "algebra",
        "optim",
    ]
)


_WITH_START = re.compile(r"\s*(?:(\()\s*(?:joint\s+)?with\s+|,\s*(?:joint\s+)?with\s+(?=[A-Z]))")


_SENT_GAP = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9“\"(\[])")


class _SentSplit:
    """Split at sentence ends, not after initials ("C. Ma") or abbreviations ("J. Number")."""

    @staticmethod
    def split(text: str, maxsplit: int = 0) -> list[str]:
        out, last = [], 0
        for m in _SENT_GAP.finditer(text):
            before = text[last : m.start()]
            tok = re.findall(r"[\w.\-]+[.?!]$", before)
            word = tok[0][:-1] if tok else ""
            if text[m.start() - 1] == "." and (
                re.fullmatch(r"(?:[A-Z]\.?-?)+", word.split(".")[-1] or word)
                or word.split(".")[-1].lower() in _ABBREV
            ):
                continue
            out.append(text[last : m.start()])
            last = m.end()
            if maxsplit and len(out) >= maxsplit:
                break
        out.append(text[last:])
        return out


_SENT_SPLIT = _SentSplit()


_AUTH_YEAR = re.compile(r"^(?P<auth>.+?)\s*\((?P<year>(?:19|20)\d\d)[a-z]?\)\.?\s*(?P<rest>.+)$")


def _venue_like(text: str) -> bool:
    t = text.strip()
    if not t:
        return False
    if re.match(
        r"^(submitted|to appear|in\b|accepted|under review|preprint|arxiv|forthcoming|proc)",
        t,
        re.I,
    ):
        return True
    words = [
        w for w in _words(t) if w.lower() not in ("of", "on", "and", "the", "in", "for", "&", "a")
    ]
    if not words:
        return bool(find_year(t))
    caps = sum(1 for w in words if w[0].isupper())
    return t[0].isupper() and caps >= 0.6 * len(words)


class Cited(NamedTuple):
    title: str
    authors: list[str]
    venue: str | None


_YEAR_PAREN_END = re.compile(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)\.?\s*$")
_THESIS = re.compile(
    r"^(?:(ph\.?\s?d\.?|master'?s?|m\.?sc\.?|b\.?sc\.?|bachelor'?s?|doctoral)\s+)?"
    r"(thesis|dissertation)\s*[:\-–]\s*",
    re.I,
)


def _venue(text: str | None) -> str | None:
    v = (text or "").strip(" .,;:")
    return (v[3:] if v.lower().startswith("in ") else v) or None


def _prepare(text: str) -> tuple[str, str | None]:
    """The citation without its number, label, year column and trailing link words; and the
    kind of work when the line says (a thesis)."""
    s = _NUMBERING.sub("", text.strip())
    s = _CITE_LABEL.sub("", s)
    s = re.sub(r"^(?:19|20)\d\d\s*(?:\t|[:\-–—]\s)\s*", "", s)  # a year column / "2020: ..."
    while True:  # "... 2018. Journal arXiv"
        m = re.search(r"(?:^|[\s.,;)])([A-Za-z]+)\s*$", s)
        if not (m and m.group(1).lower() in _LINK_WORDS and m.start(1) > len(s) * 0.5):
            break
        s = s[: m.start(1)].rstrip()
    m = _THESIS.match(s)
    return (s[m.end() :], "thesis") if m else (s, None)


def _by_emphasis(s: str, text: str, emph: list[str]) -> Cited | None:
    """The HTML link/bold/italic span that reads as a title; authors before or after it."""
    spans = [clean_title(e) for e in emph if e and e in text]
    spans = [
        e
        for e in spans
        if title_ok(e)
        and len(_words(e)) >= 3
        and parse_authors(e) is None
        and not (find_year(e) and _VENUE_WORDS.search(e) and len(_words(e)) < 8)
    ]
    if not spans:
        return None
    title = max(spans, key=len)
    pos = s.find(title)
    before, after = (s[:pos], s[pos + len(title) :]) if pos >= 0 else ("", s)
    lead = _YEAR_PAREN_END.sub("", before.strip(" .:,")).strip(" .:,")
    authors = parse_authors(lead) if lead else None
    if authors:
        return Cited(title, authors, _venue(after))
    run = _authors_prefix(after.strip(" .:,"))  # "Title: A. Author and B. Author, Journal, 2020"
    if run:
        return Cited(title, run[0], _venue(run[1]))
    return Cited(title, [], _venue(after))


def _title_colon_authors(s: str) -> Cited | None:
    """ "Title: A. Author, B. Author and C. Author, Journal 12, 2020": the last colon followed
    by names (titles have colons of their own)."""
    for m in reversed(list(re.finditer(r":\s+", s))):
        run = _authors_prefix(s[m.end() :])
        if run and m.start() > 10 and (find_year(s) or len(run[0]) >= 2):
            title = clean_title(s[: m.start()])
            if title_ok(title):
                return Cited(title, run[0], run[1])
    return None


def _quoted(s: str) -> Cited | None:
    """'A. Author, "Title," Venue, 2020.' (IEEE and most CVs)."""
    m = re.search(r"[\"“]([^\"“”]{12,}?)[,.]?[\"”]", s)
    if not (m and len(_words(m.group(1))) >= 2):
        return None
    title = clean_title(m.group(1))
    before = _YEAR_PAREN_END.sub("", s[: m.start()].strip())
    authors = parse_authors(before.strip(" ,.:")) or []
    if title_ok(title) and (authors or m.start() < 3):
        return Cited(title, authors, s[m.end() :].strip(" ,.") or None)
    return None


def _authors_year_first(s: str) -> Cited | None:
    """ "Authors (2020). Title. In Venue." (APA, Wowchemy)."""
    m = _AUTH_YEAR.match(s)
    authors = parse_authors(m["auth"]) if m else None
    if not (m and authors):
        return None
    sents = _SENT_SPLIT.split(m["rest"], maxsplit=1)
    title = clean_title(sents[0])
    return Cited(title, authors, _venue(sents[1] if len(sents) > 1 else None))


def _with_coauthors(s: str) -> Cited | None:
    """ "Title (with X and Y). 2020. Venue" / "Title, with X. Venue 12 (2020)": the owner is
    implied; the co-authors are the authors."""
    m = _WITH_START.search(s)
    if not (m and m.start() > 10):
        return None
    title = clean_title(s[: m.start()])
    rest = s[m.end() :]
    if m.group(1):  # "(with X and Y)"
        close = rest.find(")")
        co = parse_authors(rest[:close]) if close > 0 else None
        venue = rest[close + 1 :] if close > 0 else rest
    else:  # ", with X, Y. Venue": the longest run of names before a full stop
        co, venue = None, rest
        for gap in re.finditer(r"\.(?:\s+|$)", rest):
            names = parse_authors(rest[: gap.start()])
            if names:
                co, venue = names, rest[gap.end() :]
    return Cited(title, co or [], venue.strip(" .,;") or None)


_SURNAME_INITIALS = re.compile(
    r"^((?:[^,;]+,\s*(?:[A-Z]\.\s*-?)+\s*;\s*)*[^,;]+,\s*(?:[A-Z]\.\s*-?)+)\s*,\s*"
    r"(?:et al\.,?\s*)?(?:\([^)]*\),\s*)?"
)


def _surname_initials(s: str) -> Cited | None:
    """ "Surname, I.; Surname, I., Title, Venue, 2020." (physics and maths CVs)."""
    if not (";" in s.split(",")[0] or re.match(r"^[^,;]+,\s*(?:[A-Z]\.\s*-?)+[;,]", s)):
        return None
    m = _SURNAME_INITIALS.match(s)
    if not m:
        return None
    title, venue = _split_title_venue(s[m.end() :])
    return Cited(title, parse_authors(m.group(1)) or [], venue)


def _sentences(s: str) -> Cited | None:
    """ "A. Author, B. Author. Title. Venue, 2020." or, with no authors, "Title. Venue 2020"."""
    sents = _SENT_SPLIT.split(s)
    if len(sents) < 2:
        return None
    authors = parse_authors(sents[0])
    if authors:
        return Cited(clean_title(sents[1]), authors, " ".join(sents[2:]).strip() or None)
    return Cited(clean_title(sents[0]), [], " ".join(sents[1:]).strip() or None)


def _title_venue(s: str) -> Cited:
    """ "Title, Venue, 2020": the title ends where a venue-like run of words starts."""
    title, venue = _split_title_venue(s)
    return Cited(title, [], venue)


def parse_citation(
    text: str, emph: list[str]
) -> tuple[str, list[str], str | None, str | None] | None:
    """(title, authors, venue, kind) of a one-line citation, or None.

    The styles are tried from the most to the least specific; the first that yields a
    title-like span wins. ``emph``: the line's emphasised spans (HTML), title candidates."""
    s, kind = _prepare(text)
    styles = (
        lambda: _by_emphasis(s, text, emph),
        lambda: _title_colon_authors(s),
        lambda: _quoted(s),
        lambda: _authors_year_first(s),
        lambda: _with_coauthors(s),
        lambda: _surname_initials(s),
        lambda: _sentences(s),
        lambda: _title_venue(s),
    )
    for style in styles:
        got = style()
        if got is not None and title_ok(got.title):
            return got.title, got.authors, got.venue, kind
    return None


def _split_title_venue(rest: str) -> tuple[str, str | None]:
    parts = rest.split(", ")
    for cut in range(1, len(parts)):
        venue = ", ".join(parts[cut:])
        if _venue_like(venue) and (find_year(venue) or _VENUE_WORDS.search(venue)):
            return clean_title(", ".join(parts[:cut])), venue.strip(" .")
    return clean_title(rest), None


def _is_citation_candidate(line: GLine, year_section: bool = False) -> bool:
    t = line.text.strip()
    if len(t) < 20 or len(t) > 700 or is_link_line(t) or _ABSTRACT_START.match(t):
        return False
    if _PROSE_START.match(_NUMBERING.sub("", t)):
        return False
    numbered = bool(_NUMBERING.match(t)) or line.item
    with_clause = bool(_WITH_START.search(t))
    year = find_year(t) is not None
    # Under a year heading, a line of the list needs no year of its own ("Title. Working paper.").
    listed = year_section and len(_words(t)) >= 3 and bool(re.search(r"[.,;]\s+\S", t))
    # "Title: A. Author, B. Author and C. Author" (no year on the line).
    colon = t.rfind(": ")
    if colon > 10 and not listed:
        got = _authors_prefix(t[colon + 2 :])
        listed = bool(got and len(got[0]) >= 2)
    if not (numbered or with_clause or year or listed):
        return False
    # Prose: several long sentences of lower-case words.
    words = _words(t)
    lower = sum(1 for w in words if w[0].islower())
    return not (len(words) > 45 and lower > 0.7 * len(words))


def _line_entries(
    lines: list[GLine], kinds: list[str], years: list[int | None], used: set[int], strict: bool
) -> list[_Draft]:
    drafts = []
    for i, ln in enumerate(lines):
        if i in used or ln.blank or kinds[i] in ("heading", "other"):
            continue
        if strict and kinds[i] != "paper":
            continue
        t = ln.text.strip()
        m = _PUBLISHED_IN.match(t)
        venue_line = m is not None or (
            kinds[i] == "paper"
            and find_year(t) is not None
            and len(_words(t)) <= 14
            and _venue_like(t)
            and bool(
                _VENUE_WORDS.search(t)
                or re.fullmatch(r"[^.;\d]{2,60},?\s*\(?(?:19|20)\d\d\)?\.?", t)
            )
        )
        prev = lines[i - 1] if i > 0 else None
        if (
            venue_line
            and prev is not None
            and i - 1 not in used
            and not prev.blank
            and not prev.heading
            and kinds[i - 1] != "heading"
            and not find_year(prev.text)
            and not is_author_line(prev)
            and not _NUMBERING.match(prev.text)
        ):
            # "Title" / "Venue, 2021" or "Published in Venue, 2021" (no author line).
            title = clean_title(prev.text)
            if title_ok(title) and not _PROSE_START.match(title):
                where = t[m.end() :].strip(" .") if m else t.strip(" .")
                year = find_year(where) or years[i]
                drafts.append(_Draft(i - 1, i, title, [], where or None, year, None))
                continue
        if not _is_citation_candidate(ln, kinds[i] == "paper" and years[i] is not None):
            continue
        cited = parse_citation(ln.text, ln.emph)
        if not cited:
            continue
        title, authors, venue, kind = cited
        rest = ln.text.replace(title, " ")
        if _VENUE_WORDS.search(title) and not re.search(r"[A-Za-z]{3,}", rest):
            continue  # a venue line ("Journal of Field Robotics (JFR), 2020"), not a paper
        if len(_words(title)) < 2 or (
            title not in ln.text.replace("  ", " ") and title not in ln.text
        ):
            continue
        year = find_year(venue or "") or find_year(ln.text.replace(title, " "))
        if year is None:
            year = years[i]
        drafts.append(_Draft(i, i, title, authors, venue, year, None, kind=kind))
    return drafts
