"""One-line citations in the common styles, and the lines that look like one."""

from __future__ import annotations

import re

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


def parse_citation(
    text: str, emph: list[str]
) -> tuple[str, list[str], str | None, str | None] | None:
    """(title, authors, venue, kind) of a one-line citation, or None."""
    s = _NUMBERING.sub("", text.strip())
    s = _CITE_LABEL.sub("", s)
    s = re.sub(r"^(?:19|20)\d\d\s*(?:\t|[:\-–—]\s)\s*", "", s)  # a year column / "2020: ..."
    # Trailing link words ("... 2018. Journal arXiv").
    while True:
        m = re.search(r"(?:^|[\s.,;)])([A-Za-z]+)\s*$", s)
        if m and m.group(1).lower() in _LINK_WORDS and m.start(1) > len(s) * 0.5:
            s = s[: m.start(1)].rstrip()
            continue
        break
    kind = None
    m = re.match(
        r"^(?:(ph\.?\s?d\.?|master'?s?|m\.?sc\.?|b\.?sc\.?|bachelor'?s?|doctoral)\s+)?(thesis|dissertation)\s*[:\-–]\s*",
        s,
        re.I,
    )
    if m:
        kind, s = "thesis", s[m.end() :]
    # 1. An emphasised span (HTML link/bold/em) that is title-like.
    spans = [clean_title(e) for e in emph if e and e in text]
    spans = [
        e
        for e in spans
        if title_ok(e)
        and len(_words(e)) >= 3
        and parse_authors(e) is None
        and not (find_year(e) and _VENUE_WORDS.search(e) and len(_words(e)) < 8)
    ]
    if spans:
        title = max(spans, key=len)
        pos = s.find(title)
        before, after = (s[:pos], s[pos + len(title) :]) if pos >= 0 else ("", s)
        authors = (
            parse_authors(re.sub(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)\.?\s*$", "", before.strip(" .:,")))
            if before.strip(" .:,")
            else None
        )
        venue = None
        if not authors:
            rest = after.strip(" .:,")
            # "Title: A. Author, B. Author and C. Author, Journal, 2020"
            parts = [p.strip() for p in rest.split(",")]
            for cut in range(len(parts), 0, -1):
                got = parse_authors(", ".join(parts[:cut]))
                if got:
                    authors = got
                    venue = ", ".join(parts[cut:]).strip() or None
                    break
            if venue is None:
                venue = rest or None
        else:
            venue = after.strip(" .:,") or None
        if venue and venue.lower().startswith("in "):
            venue = venue[3:]
        return title, authors or [], venue, kind
    # 2. "Title: A. Author, B. Author and C. Author, Journal 12, 2020" (the last colon that is
    # followed by names; titles have colons of their own).
    for m in reversed(list(re.finditer(r":\s+", s))):
        run = _authors_prefix(s[m.end() :])
        if run and m.start() > 10 and (find_year(s) or len(run[0]) >= 2):
            title = clean_title(s[: m.start()])
            if title_ok(title):
                return title, run[0], run[1], kind
    # 3. A quoted title: 'A. Author, "Title," Venue, 2020.'
    m = re.search(r"[\"“]([^\"“”]{12,}?)[,.]?[\"”]", s)
    if m and len(_words(m.group(1))) >= 2:
        title = clean_title(m.group(1))
        before = re.sub(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)\.?\s*$", "", s[: m.start()].strip())
        authors = parse_authors(before.strip(" ,.:")) or []
        venue = s[m.end() :].strip(" ,.") or None
        if title_ok(title) and (authors or m.start() < 3):
            return title, authors, venue, kind
    # 3. "Authors (2020). Title. Venue."
    m = _AUTH_YEAR.match(s)
    if m and parse_authors(m["auth"]):
        sents = _SENT_SPLIT.split(m["rest"], maxsplit=1)
        title = clean_title(sents[0])
        venue = sents[1].strip() if len(sents) > 1 else None
        if venue and venue.lower().startswith("in "):
            venue = venue[3:]
        return (title, parse_authors(m["auth"]) or [], venue, kind) if title_ok(title) else None
    # 3. "Title (with X and Y). 2020. Venue" / "Title, with X. Venue 12 (2020)".
    m = _WITH_START.search(s)
    if m and m.start() > 10:
        title = clean_title(s[: m.start()])
        rest = s[m.end() :]
        if m.group(1):  # "(with X and Y)"
            close = rest.find(")")
            co = parse_authors(rest[:close]) if close > 0 else None
            venue = rest[close + 1 :].strip(" .,;") if close > 0 else rest
        else:  # ", with X, Y. Venue": the longest run of names before a full stop
            co, venue = None, rest
            for gap in re.finditer(r"\.(?:\s+|$)", rest):
                got = parse_authors(rest[: gap.start()])
                if got:
                    co, venue = got, rest[gap.end() :]
        return (
            (title, co or [], (venue or "").strip(" .,;") or None, kind)
            if title_ok(title)
            else None
        )
    # 4. "Surname, I.; Surname, I., Title, Venue, 2020."
    if ";" in s.split(",")[0] or re.match(r"^[^,;]+,\s*(?:[A-Z]\.\s*-?)+[;,]", s):
        m = re.match(
            r"^((?:[^,;]+,\s*(?:[A-Z]\.\s*-?)+\s*;\s*)*[^,;]+,\s*(?:[A-Z]\.\s*-?)+)\s*,\s*(?:et al\.,?\s*)?(?:\([^)]*\),\s*)?",
            s,
        )
        if m:
            authors = parse_authors(m.group(1)) or []
            rest = s[m.end() :]
            title, venue = _split_title_venue(rest)
            return (title, authors, venue, kind) if title_ok(title) else None
    # 5. "A. Author, B. Author. Title. Venue, 2020."
    sents = _SENT_SPLIT.split(s)
    if len(sents) >= 2 and parse_authors(sents[0]):
        title = clean_title(sents[1])
        venue = " ".join(sents[2:]).strip() or None
        return (title, parse_authors(sents[0]) or [], venue, kind) if title_ok(title) else None
    # 6. "Title. Venue 2020" or "Title, Venue, 2020" (no authors).
    if len(sents) >= 2:
        title = clean_title(sents[0])
        venue = " ".join(sents[1:]).strip() or None
        if title_ok(title):
            return title, [], venue, kind
    title, venue = _split_title_venue(s)
    return (title, [], venue, kind) if title_ok(title) else None


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
