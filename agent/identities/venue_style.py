"""How a publication list writes a paper's venue, as a set of style marks.

Entries a page gathered from several sources keep each source's habits ("43rd International
Conference on Machine Learning (ICML'26), Seoul, South Korea" beside "CVPR, 2024"), so a mark
that only one person's entries show is a (weak) sign of whose entry a paper is. A page written
in one style gives every paper the same marks, and so no sign at all.
"""

from __future__ import annotations

import re

_YEAR_TAIL = re.compile(r"(?:[,.\s]*\(?\b(?:19|20)\d{2}\b\)?\.?)+\s*$")
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
_APOSTROPHE_YEAR = re.compile(r"[A-Za-z]'\d{2}\b")
_PAREN_ACRONYM = re.compile(r"\([A-Z][\w@&'\- ]*\)")
_VOLUME_PAGES = re.compile(r"\b\d+\s*\(\d+\)\s*:\s*\d+")
_PLACE = re.compile(r"^[A-Z][A-Za-z.\- ]{1,30}$")
_ARXIV = re.compile(r"\barxiv(?:\s+preprint)?\b", re.IGNORECASE)


def venue_style(venue: str | None) -> frozenset[str]:
    """The style marks of one venue string (empty for none): an ordinal ("43rd"), a place
    after the name (", Vienna, Austria"), a short year ("CVPR'24"), an acronym in
    parentheses, volume(issue): pages, an acronym alone ("ICLR"), a long name, and the exact
    spelling of arXiv ("arXiv Preprint" / "ArXiv")."""
    if not venue or not venue.strip():
        return frozenset()
    text = _YEAR_TAIL.sub("", venue.strip()).strip(" ,.")
    marks = set()
    if _ORDINAL.search(text):
        marks.add("ordinal")
    if _APOSTROPHE_YEAR.search(text):
        marks.add("short-year")
    if _PAREN_ACRONYM.search(text):
        marks.add("acronym-in-parentheses")
    if _VOLUME_PAGES.search(text):
        marks.add("volume-pages")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 3 and all(_PLACE.match(p) for p in parts[-2:]):
        marks.add("place")
    arxiv = _ARXIV.search(text)
    if arxiv:
        marks.add(f"arxiv:{arxiv.group(0)}")
    elif len(parts[0].split()) == 1:
        marks.add("acronym")
    elif len(parts[0].split()) >= 4:
        marks.add("long-name")
    return frozenset(marks)
