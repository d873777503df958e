"""One parser per input format, with detection.

Text pages from profile sites each have their own module; structured inputs (JSON/JSONL,
BibTeX, arXiv Atom) too. Any other publication list, copied text, Markdown or saved HTML, goes
to the general reader (the ``general`` package, with ``html_page`` rendering HTML for it). ``detect``
picks the format; ``parse_pages`` runs it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputFileError, InputTooLargeError
from ..models import Severity
from . import (
    arxiv_atom,
    author_abstract,
    bibtex,
    collab_list,
    general,
    glued_listing,
    html_page,
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
    html_page.FORMAT,
    general.FORMAT,
)

__all__ = ["FORMATS", "RawEntry", "RawPage", "StatedCount", "detect", "parse_pages"]


def detect(text: str) -> str | None:
    """Name of the format of ``text``, or None when no specific parser recognises it (the
    general reader then reads it)."""
    return _detect_file_format(text) or _detect_layout(text)


def _detect_file_format(text: str) -> str | None:
    """The formats told by their syntax (cheap to check, whatever the size)."""
    if json_profile.sniff_jsonl(text):
        return json_profile.FORMAT_JSONL
    if json_profile.sniff_json(text):
        return json_profile.FORMAT_JSON
    if arxiv_atom.sniff(text):
        return arxiv_atom.FORMAT
    if html_page.sniff(text):
        return html_page.FORMAT
    if bibtex.sniff(text):
        return bibtex.FORMAT
    return None


def _detect_layout(text: str) -> str | None:
    lines = split_lines(text)
    for parser in _PAGE_PARSERS:
        if parser.sniff(lines):
            return parser.FORMAT
    return None


def parse_pages(text: str, path: Path, fmt: str | None = None) -> list[RawPage]:
    """Parse ``text`` (the contents of ``path``) in format ``fmt`` (detected when None)."""
    forced = fmt is not None
    fmt = fmt or _detect_file_format(text)
    if fmt not in _STRUCTURED:
        _check_lines(text.count("\n") + 1, path)
        fmt = fmt or _detect_layout(text)
    if fmt is None or (fmt == general.FORMAT and not html_page.sniff(text)):
        return [general.read(general.lines_from_text(text))]
    if fmt in (html_page.FORMAT, general.FORMAT):
        tags = text.count("<")
        if tags > MAX_HTML_TAGS:
            raise InputTooLargeError(
                path,
                f"{tags:,} HTML tags, over the limit of {MAX_HTML_TAGS:,} for one page (a "
                "publication page has far fewer); split it, or give the papers as JSON or BibTeX",
            )
        doc = html_page.render(text)
        _check_lines(len(doc.lines), path, rendered=True)
        return [general.read(general.lines_from_html(doc), html_page.FORMAT, doc)]
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
            page = page if forced else _better_reading(page, text)
            for first, last, key in pasted:
                page.skip(first, last, f"BibTeX entry {key!r} pasted into the page; not a paper")
            return [page]
    raise InputFileError(path, f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")


# A page read line by line (text, HTML, the site layouts): the longest real publication pages
# run to a few tens of thousands of lines; millions of lines would take minutes to read.
MAX_PAGE_LINES = 200_000
MAX_HTML_TAGS = 1_000_000  # checked before the DOM is built (a 20,000-entry list has ~200,000)
_STRUCTURED = {
    json_profile.FORMAT_JSON,
    json_profile.FORMAT_JSONL,
    arxiv_atom.FORMAT,
    bibtex.FORMAT,
}


def _check_lines(count: int, path: Path, *, rendered: bool = False) -> None:
    if count > MAX_PAGE_LINES:
        what = "lines once rendered" if rendered else "lines"
        raise InputTooLargeError(
            path,
            f"{count:,} {what}, over the limit of {MAX_PAGE_LINES:,} for one page (a publication "
            "page has far fewer); split it, or give the papers as JSON or BibTeX",
        )


def _better_reading(page: RawPage, text: str) -> RawPage:
    """A site layout's sniff can accept a page it reads only in part (a Barron homepage taken
    for ``collab-list``); the general reader's reading wins when it finds clearly more."""
    reading = general.read(general.lines_from_text(text))
    have, other = len(page.entries), len(reading.entries)
    if other >= have + 3 and other >= 1.25 * have:
        reading.warn(
            "layout_fallback",
            f"the page looks like the {page.format!r} layout, but that reading found {have} "
            f"entries and the general reader {other}; the general reading is used",
            severity=Severity.info,
        )
        return reading
    return page
