"""BibTeX (``.bib``): one entry per paper; the owner is inferred from the authors."""

from __future__ import annotations

import re
from pathlib import Path

from ._page import RawEntry, RawPage
from ._text import normalize_person_name

FORMAT = "bibtex"
_ENTRY = re.compile(r"^[ \t]*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]*)", re.MULTILINE)
_NON_ENTRIES = {"comment", "string", "preamble"}


def sniff(text: str) -> bool:
    return any(m["type"].lower() not in _NON_ENTRIES for m in _ENTRY.finditer(text))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    v = re.sub(r"\\[a-zA-Z]+\s*\{([^{}]*)\}", r"\1", value)  # \emph{x} -> x
    v = re.sub(r"\\['`^\"~=.]\{?([A-Za-z])\}?", r"\1", v)  # \'e -> e
    v = v.replace("{", "").replace("}", "").replace("\\&", "&").replace("~", " ")
    return re.sub(r"\s+", " ", v).strip() or None


def parse(text: str, path: Path) -> RawPage:
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    page = RawPage(format=FORMAT)
    declared = [
        (m["key"], text.count("\n", 0, m.start()) + 1, m["type"].lower())
        for m in _ENTRY.finditer(text)
        if m["type"].lower() not in _NON_ENTRIES
    ]
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    db = bibtexparser.loads(text, parser=parser)
    by_key = {e.get("ID"): e for e in db.entries}
    for key, line, etype in declared:
        entry = by_key.pop(key, None)
        if entry is None:
            page.unparsed(line, f"@{etype}{{{key}, ... (malformed BibTeX entry)")
            continue
        authors = [
            normalize_person_name(_clean(a) or "")
            for a in re.split(r"\s+and\s+", entry.get("author", ""))
            if a.strip()
        ]
        truncated = bool(authors) and authors[-1].lower() in ("others", "et al.")
        if truncated:
            authors.pop()
        year_text = (entry.get("year") or "").strip()
        year = int(year_text) if year_text.isdigit() else None
        cats = [c.strip() for c in (entry.get("primaryclass") or "").split(",") if c.strip()]
        page.entries.append(
            RawEntry(
                line=line,
                title=_clean(entry.get("title")),
                authors=[a for a in authors if a],
                authors_truncated=truncated,
                abstract=_clean(entry.get("abstract")),
                year=year,
                date_text=year_text or None,
                categories=cats,
                venue=_clean(
                    entry.get("journal") or entry.get("booktitle") or entry.get("publisher")
                ),
                kind=etype,
                url=entry.get("url")
                or (f"https://arxiv.org/abs/{entry['eprint']}" if entry.get("eprint") else None),
            )
        )
    return page
