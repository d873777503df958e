"""Page-derived text made safe and readable in HTML: LaTeX as text, citations as links, and
only http(s)/mailto URLs rendered as links. Titles, abstracts and URLs come from untrusted
pages: everything here returns escaped ``Markup``."""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from ..language import readable
from ..templating import safe_url

_CITE = re.compile(r"\[(P\d+(?:\s*,\s*P\d+)*)\]")


def link(url: str | None, text: str) -> Markup:
    """``<a href>`` for a safe URL; plain escaped text otherwise."""
    href = safe_url(url)
    if href is None:
        return escape(text)
    return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(href, text)


def cite_links(text: str, known: Mapping[str, str] | None = None, prefix: str = "") -> Markup:
    """Readable text with each ``[P3, P7]`` turned into links to ``#<prefix>P3``. ``known``
    maps labels to a hover title; labels not in it (when given) stay plain text."""
    parts: list[Markup] = []
    pos = 0
    for m in _CITE.finditer(text):
        parts.append(escape(readable(text[pos : m.start()])))
        labels = [x.strip() for x in m.group(1).split(",")]
        links = [
            Markup('<a class="cite" href="#{0}{1}" data-paper="{1}" title="{2}">{1}</a>').format(
                prefix, lab, (known or {}).get(lab, lab)
            )
            if known is None or lab in known
            else escape(lab)
            for lab in labels
        ]
        parts.append(Markup("[") + Markup(", ").join(links) + Markup("]"))
        pos = m.end()
    parts.append(escape(readable(text[pos:])))
    return Markup("").join(parts)
