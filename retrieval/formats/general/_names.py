"""People on a page: author lines, name lists after a title, the owner's heading."""

from __future__ import annotations

import re
from functools import lru_cache

from ...names import name_key
from .._text import is_name_token
from ._lines import GLine
from ._vocab import (
    _CJK,
    _COMMON_WORDS,
    _HONORIFIC,
    _MARKS,
    _NOT_NAME,
    _OTHER_HEADS,
    _PAPER_HEADS,
    _PAREN,
    is_link_line,
)


def _clean_name(part: str) -> str:
    s = _MARKS.sub("", part.replace("\u2010", "-").replace("\u2011", "-"))
    s = _PAREN.sub("", s)
    s = re.sub(r"\s+", " ", s).strip(" .,;:")
    return s


_KIND_WORDS = {"thesis", "phd", "dissertation", "preprint", "report", "proceedings", "journal",
               "conference", "workshop", "press", "arxiv", "submitted", "accepted", "review"}  # fmt: skip


def _name_ok(name: str, lenient: bool) -> bool:
    toks = name.split()
    if not 1 <= len(toks) <= 5:
        return False
    if any(t.lower().strip(".") in _KIND_WORDS or t.lower() in _NOT_NAME for t in toks):
        return False
    for t in toks:
        if is_name_token(t):
            continue
        if lenient and re.fullmatch(r"[A-Z][a-zà-ÿ]+[A-Z][a-zà-ÿ]+", t):  # YinYin, AbdusSalam
            continue
        if re.fullmatch(r"[A-Z]\.?(?:-?[A-Z]\.?)*", t):  # K, R, C.V., J.J.
            continue
        return False
    return True


def parse_authors(text: str) -> list[str] | None:
    """Names of an author line, or None when ``text`` is not one.

    Accepts "A B, C D and E F", "A. B, C. D", "Surname, I.; Surname, I." and contribution marks
    (* † #), trailing commas, "et al." and notes in parentheses."""
    names = _parse_authors(text)
    return list(names) if names is not None else None


def clear_name_cache() -> None:
    _parse_authors.cache_clear()


@lru_cache(maxsize=8192)
def _parse_authors(text: str) -> tuple[str, ...] | None:
    # Cached: a page asks about the same lines several times (anchors, titles, the estimate).
    s = text.strip()
    if not s or len(s) > 1500 or ":" in _PAREN.sub("", s):
        return None
    s = _PAREN.sub("", s)
    s = re.sub(r"\bet\.? al\.?", "", s)
    s = s.strip(" ,;.")
    if not s or re.search(r"\d{3,}|[!?]|https?:", _MARKS.sub("", s)):
        return None
    if ";" in s:
        parts = [p for p in (x.strip() for x in s.split(";")) if p]
        names = []
        for p in parts:
            p = _clean_name(p)
            m = re.fullmatch(r"([^,]+),\s*((?:[A-Z][a-z]?\.?\s*-?)+)", p)
            names.append(f"{m[2].strip()} {m[1].strip()}" if m else p)
    else:
        s = re.sub(r",?\s+(?:and|&)\s+", ", ", s)
        names = [_clean_name(p) for p in s.split(",")]
        # "Gonzalez, M., Patel, R." (surname, initials; APA)
        if (
            len(names) >= 2
            and len(names) % 2 == 0
            and all(re.fullmatch(r"(?:[A-Z]\.?\s*-?)+", names[k]) for k in range(1, len(names), 2))
        ):
            names = [f"{names[k + 1]} {names[k]}" for k in range(0, len(names), 2)]
    names = [n for n in names if n]
    if not names:
        return None
    ok = [n for n in names if _name_ok(n, lenient=True)]
    if len(ok) < len(names):
        return None
    multi = sum(1 for n in names if len(n.split()) >= 2)
    if multi < max(1, (len(names) + 1) // 2):
        return None
    commonish = sum(
        1 for n in names for t in n.split() if t.lower() in _COMMON_WORDS and len(t) > 2
    )
    if commonish >= max(2, len(names)):
        return None
    return tuple(names)


def is_author_line(line: GLine, known: set[str] | None = None) -> bool:
    """An author line. A lone name counts only when it is in ``known`` (names that also occur
    in lists of several authors on the page), so that a short title such as "Self-Normalizing
    Flows" is not read as a person."""
    if line.blank or line.heading:
        return False
    text = line.text.strip()
    if is_link_line(text) and not re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", text):
        return False
    names = parse_authors(text)
    if names is None:
        return False
    if len(names) == 1 and known is not None:
        return name_key(names[0]) in known
    return True


def known_names(lines: list[GLine]) -> set[str]:
    """Name keys of everyone in a list of two or more authors on the page."""
    keys: set[str] = set()
    for ln in lines:
        if ln.blank or ln.heading or ("," not in ln.text and " and " not in ln.text):
            continue
        names = parse_authors(ln.text)
        if names and len(names) >= 2:
            keys.update(name_key(n) for n in names)
    return keys


def looks_like_name(text: str) -> str | None:
    """The name in a page heading ("Dr Adam Luke Baskerville", "WONG Tian An 黄天安"), or None."""
    raw = re.sub(r"\s+", " ", text).strip()
    s = _CJK.sub("", _PAREN.sub("", raw)).strip(" -|·,")
    s = _HONORIFIC.sub("", s)
    toks = s.split()
    if not 2 <= len(toks) <= 5 or len(raw) > 60:
        return None
    for t in toks:
        if re.fullmatch(r"[A-Z]{2,}", t):  # family name in capitals
            continue
        if not is_name_token(t):
            return None
    if any(
        (len(t) > 3 and t.lower().strip(".") in _COMMON_WORDS)
        or _OTHER_HEADS.fullmatch(t)
        or t.lower().strip(".") in _NOT_NAME
        for t in toks
    ):
        return None
    if _PAPER_HEADS.search(s):
        return None
    return raw


_STOP = {"a", "an", "the", "of", "on", "for", "to", "in", "and", "with", "from", "by", "via"}


def _authors_prefix(text: str) -> tuple[list[str], str | None] | None:
    """The longest run of comma-separated names that starts ``text``, and what follows."""
    parts = text.split(", ")
    for cut in range(len(parts), 0, -1):
        names = parse_authors(", ".join(parts[:cut]))
        if not names:
            # "Adam L. Baskerville PhD Thesis, 1-251, 2018": the venue starts inside the part.
            toks = parts[cut - 1].split()
            k = next((i for i, t in enumerate(toks) if t.lower().strip(".") in _KIND_WORDS), 0)
            if k and (names := parse_authors(", ".join([*parts[: cut - 1], " ".join(toks[:k])]))):
                rest = ", ".join([" ".join(toks[k:]), *parts[cut:]])
                return names, rest.strip(" .") or None
            continue
        if len(names) == 1:
            toks = names[0].split()
            if len(toks) < 2 or any(t.lower() in _STOP or t.lower() in _COMMON_WORDS for t in toks):
                return None
        return names, ", ".join(parts[cut:]).strip(" .") or None
    return None
