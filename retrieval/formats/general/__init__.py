"""The general reader of publication lists (copied text, Markdown, or HTML via ``html_page``).

``reader`` cuts a page into sections and reads its entries; ``_blocks`` (entries anchored on an
author line), ``_citations`` (one-line citations), ``_names`` (authors, owners) and ``_vocab``
(what the words of a page mean) are its parts.
"""

from ._citations import parse_citation
from ._lines import GLine, lines_from_html, lines_from_text
from ._names import looks_like_name, parse_authors
from .reader import FORMAT, read

__all__ = [
    "FORMAT",
    "GLine",
    "lines_from_html",
    "lines_from_text",
    "looks_like_name",
    "parse_authors",
    "parse_citation",
    "read",
]
