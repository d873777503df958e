"""arXiv API Atom feeds (``export.arxiv.org/api/query`` results)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from ..errors import InputFileError
from ._page import RawEntry, RawPage

FORMAT = "arxiv-atom"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


def sniff(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("<") and "<feed" in head and "http://www.w3.org/2005/Atom" in head


# Script and style bodies are code, not text a reader sees (escaped, in an HTML-typed element).
_CODE = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.I | re.S)


def _visible_text(el) -> list[str]:
    """``el.itertext()`` without the bodies of ``script``/``style`` children (XHTML content)."""
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(el, False)]  # (element, its tail is due now); no recursion
    while stack:
        node, tail = stack.pop()
        if tail:
            out.append(getattr(node, "tail", None) or "")
            continue
        out.append(getattr(node, "text", None) or "")
        for child in reversed(list(node)):  # type: ignore[call-overload]  # an XML element
            stack.append((child, True))
            name = child.tag.rsplit("}", 1)[-1].lower() if isinstance(child.tag, str) else ""
            if name not in ("script", "style"):
                stack.append((child, False))
    return out


def _text(el, tag: str) -> str | None:
    """All the text of ``el``'s child ``tag``, inline markup included (``<b>X</b>`` is X);
    an HTML-typed element's escaped tags are dropped too."""
    child = el.find(tag)
    if child is None:
        return None
    text = "".join(_visible_text(child))
    if child.get("type") in ("html", "xhtml"):
        text = _CODE.sub(" ", text)
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return re.sub(r"\s+", " ", text).strip() or None


def parse(text: str, path: Path) -> RawPage:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        line = exc.position[0] if hasattr(exc, "position") else None
        raise InputFileError(path, f"invalid XML: {exc}; fix the feed", line=line) from None
    except DefusedXmlException as exc:
        raise InputFileError(path, f"refused unsafe XML ({type(exc).__name__})") from None
    page = RawPage(format=FORMAT)
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<entry[\s>]", text)]
    for i, entry in enumerate(root.findall(f"{_ATOM}entry")):
        published = _text(entry, f"{_ATOM}published")
        date = None
        if published:
            try:
                date = dt.datetime.fromisoformat(published.replace("Z", "+00:00")).date()
            except ValueError:
                page.warn(
                    "bad_date",
                    f"unreadable date {published!r}",
                    lines[i] if i < len(lines) else None,
                )
        cats: list[str] = []
        primary = entry.find(f"{_ARXIV}primary_category")
        if primary is not None and primary.get("term"):
            cats.append(primary.get("term"))
        for c in entry.findall(f"{_ATOM}category"):
            term = c.get("term")
            if term and term not in cats:
                cats.append(term)
        url = None
        for link in entry.findall(f"{_ATOM}link"):
            if link.get("rel") == "alternate" or (url is None and link.get("href")):
                url = link.get("href")
        page.entries.append(
            RawEntry(
                line=lines[i] if i < len(lines) else 1,
                title=_text(entry, f"{_ATOM}title"),
                authors=[
                    n for a in entry.findall(f"{_ATOM}author") if (n := _text(a, f"{_ATOM}name"))
                ],
                abstract=_text(entry, f"{_ATOM}summary"),
                date=date,
                date_text=published,
                year=date.year if date else None,
                categories=cats,
                venue=_text(entry, f"{_ARXIV}journal_ref") or "arXiv",
                kind="preprint",
                has_code=False,
                url=url or _text(entry, f"{_ATOM}id"),
            )
        )
    return page
