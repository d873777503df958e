"""One parser per input format, with detection.

Text pages from profile sites each have their own module; structured inputs (JSON/JSONL,
BibTeX, arXiv Atom) too. ``detect`` picks the format; ``parse_pages`` runs it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputFileError
from . import (
    arxiv_atom,
    author_abstract,
    bibtex,
    collab_list,
    glued_listing,
    json_profile,
    metric_cards,
    trust_snapshot,
)
from ._page import RawEntry, RawPage, StatedCount
from ._text import split_lines

# Site pages, most specific first: the first whose sniff() accepts the page wins.
_PAGE_PARSERS = (trust_snapshot, collab_list, metric_cards, glued_listing, author_abstract)

FORMATS: tuple[str, ...] = (
    json_profile.FORMAT_JSON,
    json_profile.FORMAT_JSONL,
    arxiv_atom.FORMAT,
    bibtex.FORMAT,
    *(p.FORMAT for p in _PAGE_PARSERS),
)

__all__ = ["FORMATS", "RawEntry", "RawPage", "StatedCount", "detect", "parse_pages"]


def detect(text: str) -> str | None:
    """Name of the format of ``text``, or None when no parser recognises it."""
    if json_profile.sniff_jsonl(text):
        return json_profile.FORMAT_JSONL
    if json_profile.sniff_json(text):
        return json_profile.FORMAT_JSON
    if arxiv_atom.sniff(text):
        return arxiv_atom.FORMAT
    if bibtex.sniff(text):
        return bibtex.FORMAT
    lines = split_lines(text)
    for parser in _PAGE_PARSERS:
        if parser.sniff(lines):
            return parser.FORMAT
    return None


def parse_pages(text: str, path: Path, fmt: str | None = None) -> list[RawPage]:
    """Parse ``text`` (the contents of ``path``) in format ``fmt`` (detected when None)."""
    fmt = fmt or detect(text)
    if fmt is None:
        raise InputFileError(
            path,
            "unknown format: not JSON/JSONL, BibTeX, arXiv Atom, nor any known profile page layout "
            f"({', '.join(p.FORMAT for p in _PAGE_PARSERS)}); pass --format to force one",
        )
    if fmt == json_profile.FORMAT_JSON:
        return json_profile.parse_json(text, path)
    if fmt == json_profile.FORMAT_JSONL:
        return json_profile.parse_jsonl(split_lines(text), path)
    if fmt == arxiv_atom.FORMAT:
        return [arxiv_atom.parse(text, path)]
    if fmt == bibtex.FORMAT:
        return [bibtex.parse(text, path)]
    for parser in _PAGE_PARSERS:
        if fmt == parser.FORMAT:
            text, pasted = bibtex.blank_entries(text)
            page = parser.parse(split_lines(text))
            for first, last, key in pasted:
                page.skip(first, last, f"BibTeX entry {key!r} pasted into the page; not a paper")
            return [page]
    raise InputFileError(path, f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
