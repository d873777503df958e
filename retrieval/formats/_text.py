"""Text heuristics shared by the page parsers: names, author lists, dates, metrics."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from retrieval.names import name_key

MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "da",
    "dos",
    "du",
    "la",
    "le",
    "bin",
    "al",
    "el",
    "ter",
    "zu",
    "y",
}
_INITIALS = re.compile(r"-?(?:[A-Z]\.)(?:-?[A-Z]\.)*")
_CAMEL_OK = re.compile(r"^(?:Mc|Mac|O'|D'|De|Di|La|Le|Van)")
ET_AL = re.compile(r"\s*(?:,\s*)?et\s+al\.?\s*$")


@dataclass
class Line:
    number: int  # 1-based
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    return [Line(i, t.rstrip()) for i, t in enumerate(text.split("\n"), start=1)]


def _uncased(c: str) -> bool:
    """A letter of a script without case (Chinese, Japanese, Korean, Arabic, Hindi...)."""
    return c.isalpha() and not c.isupper() and not c.islower()


def _is_name_part(part: str) -> bool:
    if not part:
        return False
    if not part[0].isalpha():
        return False
    rest = part[1:]
    # Combining marks (Devanagari vowel signs, NFD accents) belong to the letters before them.
    if not all(c.isalpha() or c in "'’" or unicodedata.category(c).startswith("M") for c in rest):
        return False
    if _uncased(part[0]):
        return True
    if not part[0].isupper():
        return False
    # An upper-case letter inside a word ("PaddleYulong") means two words glued together.
    return not any(c.isupper() for c in rest) or bool(_CAMEL_OK.match(part))


def is_name_token(tok: str) -> bool:
    if tok.lower() in _PARTICLES:
        return True
    if _INITIALS.fullmatch(tok):
        return True
    parts = tok.split("-")
    # "Ya-Peng", "Jian-hui": the first part capitalised, later parts letters.
    if not _is_name_part(parts[0]):
        return False
    return all(
        p and (p[0].isalpha() and (_is_name_part(p) or (p.isalpha() and p.islower())))
        for p in parts[1:]
    )


def is_person_name(name: str) -> bool:
    toks = name.split()
    if not 1 <= len(toks) <= 6:
        return False
    if not all(is_name_token(t) for t in toks):
        return False
    # At least one real word, not only initials or particles.
    return any(len(t.strip(".-")) >= 2 and t.lower() not in _PARTICLES for t in toks)


def parse_author_list(text: str) -> tuple[list[str], bool] | None:
    """``"A B, C D et al."`` -> (["A B", "C D"], True); None when it is not an author list."""
    s = text.strip()
    if not s or len(s) > 2000:
        return None
    truncated = False
    m = ET_AL.search(s)
    if m:
        truncated = True
        s = s[: m.start()]
    # Some sites write the final pair as "A and B".
    s = re.sub(r",?\s+and\s+", ", ", s)
    names = [re.sub(r"\s+", " ", n).strip() for n in s.split(",")]
    names = [n for n in names if n]
    if not names or not all(is_person_name(n) for n in names):
        return None
    return names, truncated


def looks_like_author_line(text: str) -> bool:
    """Several people's names (``"A B, C D et al. · org"``): a line that is not a title."""
    main = text.partition(" · ")[0]
    parsed = parse_author_list(main)
    return parsed is not None and (len(parsed[0]) > 1 or parsed[1])


def split_title_authors(text: str) -> tuple[str, list[str], bool] | None:
    """Split ``"Some TitleFirst Author, Second Author et al."`` glued together by a scraper.

    Tries each place where an upper-case letter follows a non-space character and takes the
    first one whose remainder is a valid author list (so a camel-cased word such as
    ``PaddlePaddle`` in the title is not mistaken for the start of a name).
    """
    s = text.strip()
    for i in range(1, len(s)):
        if s[i].isupper() and not s[i - 1].isspace():
            parsed = parse_author_list(s[i:])
            if parsed is not None:
                title = s[:i].strip()
                if title:
                    return title, parsed[0], parsed[1]
    return None


_CAT_DATE = re.compile(
    r"^(?P<cat>[A-Za-z][A-Za-z.\-]{1,9}?)"
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?(?P<code>Code)?$"
)


@dataclass
class CatDate:
    category: str
    date: dt.date | None
    date_text: str
    year: int | None
    has_code: bool


def parse_cat_date(text: str) -> CatDate | None:
    """``"LGJul 1, 2024Code"`` -> category LG, 2024-07-01, has code. ``"CLFeb 4"`` has no year."""
    m = _CAT_DATE.match(text.strip())
    if not m:
        return None
    year = int(m["year"]) if m["year"] else None
    date = None
    if year is not None:
        try:
            date = dt.date(year, MONTHS[m["mon"]], int(m["day"]))
        except ValueError:
            date = None
    date_text = f"{m['mon']} {m['day']}" + (f", {year}" if year else "")
    return CatDate(m["cat"], date, date_text, year, bool(m["code"]))


def normalize_person_name(name: str) -> str:
    """``"Guo, Zhenyu"`` -> ``"Zhenyu Guo"``; other names are only trimmed."""
    s = re.sub(r"\s+", " ", name).strip()
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        if last and first and is_person_name(last) and is_person_name(first):
            return f"{first} {last}"
    return s


_NUM = r"(?P<num>\d[\d,]*(?:\.\d+)?)"


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _number(text: str) -> int | float:
    t = text.replace(",", "")
    return float(t) if "." in t else int(t)


def parse_metric(text: str) -> tuple[str, int | float] | None:
    """``"h-index26"``, ``"62papers"``, ``"2,701citations"``, ``"Novelty52%"`` -> (key, value)."""
    s = text.strip()
    m = re.fullmatch(rf"(?P<label>[A-Za-z][A-Za-z \-]*?)\s*{_NUM}(?P<pct>%)?", s)
    if m and not re.fullmatch(r"[A-Z]{2}[a-z]{2,}", m["label"]):
        key = _slug(m["label"]) + ("_percent" if m["pct"] else "")
        return key, _number(m["num"])
    m = re.fullmatch(rf"{_NUM}(?P<pct>%)?\s*(?P<label>[A-Za-z][A-Za-z \-()]*)", s)
    if m:
        return _slug(m["label"]) + ("_percent" if m["pct"] else ""), _number(m["num"])
    return None


@dataclass
class OwnerGuess:
    name: str | None
    count: int = 0
    runner_up: int = 0
    papers_with_authors: int = 0
    reason: str = ""
    counts: Counter[str] = field(default_factory=Counter)


def infer_owner(author_lists: list[list[str]]) -> OwnerGuess:
    """The most frequent author, when the evidence is clear; otherwise no name.

    Clear means: the top author is on at least 3 papers and on at least 30% of the papers that
    list authors, and on at least twice as many papers as anyone else.
    """
    with_authors = [a for a in author_lists if a]
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for authors in with_authors:
        for key in {name_key(a) for a in authors}:
            counts[key] += 1
        for a in authors:
            spelled.setdefault(name_key(a), Counter())[a] += 1
    if not counts:
        return OwnerGuess(None, reason="the page lists no authors")
    ranked = counts.most_common(2)
    top_key, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    n = len(with_authors)
    guess = OwnerGuess(None, top, second, n, counts=counts)
    name = spelled[top_key].most_common(1)[0][0]
    if top >= 3 and top >= 0.3 * n and top >= 2 * second:
        guess.name = name
        guess.reason = (
            f"{name!r} is an author of {top} of {n} papers (next most frequent: {second})"
        )
    else:
        guess.reason = (
            f"no clear owner: the most frequent author {name!r} is on {top} of {n} papers "
            f"and the next on {second}"
        )
    return guess
