"""BibTeX (``.bib``): one entry per paper; the owner is inferred from the authors.

The file is cut into blocks at each ``@type{`` first, so that every entry is accounted for: a
block that cannot be read (an undefined macro, braces nested absurdly deep, broken syntax)
costs that entry only and is reported on its own line, duplicate keys are both kept, and text
between entries is reported instead of dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputTooLargeError
from ._page import RawEntry, RawPage
from ._text import normalize_person_name

FORMAT = "bibtex"
_ENTRY = re.compile(r"^[ \t]*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]*)", re.MULTILINE)
_NON_ENTRIES = {"comment", "string", "preamble"}
# Deeper than any real field; pyparsing and LaTeX conversion recurse per level.
_MAX_DEPTH = 50
MAX_ENTRIES = 20_000  # as for JSON profiles (json_profile.MAX_PAPERS)
_MAX_UNDEFINED = 20


@dataclass
class _Block:
    type: str
    key: str
    line: int
    text: str  # the entry itself, from '@' to its closing brace
    loose: str  # what follows it up to the next '@type{'
    loose_line: int
    depth: int


def sniff(text: str) -> bool:
    """A BibTeX file: entries, and little else. A page with one pasted ``@inproceedings{...}``
    block is a page, not a .bib file."""
    blocks = _blocks(text)
    entries = [b for b in blocks if b.type not in _NON_ENTRIES]
    if not entries:
        return False
    inside = sum(len(b.text) for b in blocks)
    outside = sum(len(_loose_text(b.loose)) for b in blocks) + len(_loose_text(_head(text)))
    return outside <= inside


def blank_entries(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` with BibTeX entries pasted into a page blanked out (line numbers kept), and
    (first line, last line, key) of each, so a page parser does not read them as papers."""
    found = []
    for block in _blocks(text):
        if block.type in _NON_ENTRIES or not block.text.rstrip().endswith(("}", ")")):
            continue
        last = block.line + block.text.count("\n")
        found.append((block.line, last, block.key))
    if not found:
        return text, []
    lines = text.split("\n")
    for first, last, _ in found:
        lines[first - 1 : last] = [""] * (last - first + 1)
    return "\n".join(lines), found


def _head(text: str) -> str:
    m = _ENTRY.search(text)
    return text[: m.start()] if m else text


def _loose_text(text: str) -> str:
    """Text outside entries that says something: not blank, not a ``%`` comment line."""
    return " ".join(
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("%")
    )


def _end_of_entry(text: str, start: int, limit: int | None = None) -> tuple[int, int]:
    """Index just past the entry that opens at ``start`` (looking no further than ``limit``),
    and its deepest brace nesting."""
    limit = len(text) if limit is None else limit
    opening = re.compile(r"[{(]").search(text, start, limit)
    if opening is None:
        return limit, 0
    depth, deepest = (0, 0) if opening.group() == "{" else (1, 1)
    i = opening.start() if opening.group() == "{" else opening.end()
    while i < limit:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif c == "}" or (c == ")" and opening.group() == "(" and depth == 1):
            depth -= 1
            if depth == 0:
                return i + 1, deepest
        i += 1
    return limit, deepest


def _blocks(text: str) -> list[_Block]:
    starts = list(_ENTRY.finditer(text))
    out = []
    pos, line = 0, 1  # line numbers counted as we go: linear in the file, however many entries
    for n, m in enumerate(starts):
        limit = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        end, depth = _end_of_entry(text, m.start(), limit)
        loose = text[end:limit]
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.append(
            _Block(
                type=m["type"].lower(),
                key=m["key"],
                line=line,
                text=text[m.start() : end],
                loose=loose,
                loose_line=line
                + text.count("\n", m.start(), end + len(loose) - len(loose.lstrip())),
                depth=depth,
            )
        )
    return out


# Characters and pairs LaTeX gives a meaning to; a value without any is plain text already.
_LATEX_SYNTAX = re.compile(r"[\\{}$~%&^_#]|--|``|''")


def _latex_to_text(value: str) -> str:
    if not _LATEX_SYNTAX.search(value):
        return value
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True).latex_to_text(value)
    except (RecursionError, ValueError, IndexError):
        # Malformed LaTeX: keep the words, drop the markup.
        v = re.sub(r"\\[a-zA-Z]+\s*\{([^{}]*)\}", r"\1", value)
        return v.replace("{", "").replace("}", "").replace("\\&", "&").replace("~", " ")


def _clean(value: str | None) -> str | None:
    """A field's LaTeX as plain Unicode text: ``G{\\"o}del`` -> ``Gödel``, ``\\AA{}`` -> ``Å``."""
    if value is None:
        return None
    return re.sub(r"\s+", " ", _latex_to_text(value)).strip() or None


def _parse_block(text: str, strings: str, page: RawPage, line: int) -> list[dict[str, Any]]:
    """Entries of one block; an undefined ``@string`` macro is kept as its name, with a warning."""
    import bibtexparser
    from bibtexparser.bibdatabase import UndefinedString
    from bibtexparser.bparser import BibTexParser

    defined = ""
    for _ in range(_MAX_UNDEFINED):
        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
        try:
            return bibtexparser.loads(defined + strings + "\n" + text, parser=parser).entries
        except UndefinedString as exc:
            name = str(exc.args[0]) if exc.args else "?"
            page.warn(
                "bibtex_undefined_macro",
                f"@string macro {name!r} is not defined; kept as the word {name!r}. Add "
                f'@string{{{name} = "..."}} to the file to expand it',
                line,
            )
            defined += f'@string{{{name} = "{name}"}}\n'
    return []


def _read_entries(blocks: list[_Block], text: str) -> list[dict[str, Any]] | None:
    """All entries in one pass when the file is clean; None when some block needs care."""
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    if any(b.depth > _MAX_DEPTH for b in blocks):
        return None
    try:
        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
        return bibtexparser.loads(text, parser=parser).entries
    except Exception:  # bibtexparser/pyparsing raise many types; retried per block
        return None


def parse(text: str, path: Path) -> RawPage:
    page = RawPage(format=FORMAT)
    blocks = _blocks(text)
    entries_only = [b for b in blocks if b.type not in _NON_ENTRIES]
    if len(entries_only) > MAX_ENTRIES:
        raise InputTooLargeError(
            path,
            f"{len(entries_only):,} BibTeX entries, over the limit of {MAX_ENTRIES:,} papers in "
            "one profile; split the file",
            line=entries_only[MAX_ENTRIES].line,
        )
    head = _loose_text(_head(text))
    if head:
        page.unparsed(1, f"text before the first entry, not used: {head}")
    strings = "\n".join(b.text for b in blocks if b.type == "string" and b.depth <= _MAX_DEPTH)
    entries = _read_entries(blocks, text)
    # Entries in file order, matched to their blocks by key (a key may repeat).
    pending: dict[str, list[dict[str, Any]]] = {}
    for e in entries or []:
        pending.setdefault(str(e.get("ID")), []).append(e)
    first_line: dict[str, int] = {}
    for block in blocks:
        loose = _loose_text(block.loose)
        if loose:
            page.unparsed(block.loose_line, f"text between entries, not used: {loose}")
        if block.type in _NON_ENTRIES:
            continue
        if block.depth > _MAX_DEPTH:
            page.unparsed(
                block.line,
                f"@{block.type}{{{block.key}, ... braces nested {block.depth} deep; not read",
            )
            continue
        if entries is None:
            found = _parse_block(block.text, strings, page, block.line)
        else:
            queue = pending.get(block.key) or []
            found = [queue.pop(0)] if queue else []
        if not found:
            page.unparsed(block.line, f"@{block.type}{{{block.key}, ... (malformed BibTeX entry)")
            continue
        if block.key in first_line:
            page.warn(
                "duplicate_key",
                f"BibTeX key {block.key!r} is used again (first on line "
                f"{first_line[block.key]}); both entries kept",
                block.line,
            )
        first_line.setdefault(block.key, block.line)
        page.entries.append(_entry(found[0], block.type, block.line))
    return page


def _entry(entry: dict[str, Any], etype: str, line: int) -> RawEntry:
    authors = [
        normalize_person_name(_clean(a) or "")
        for a in re.split(r"\s+and\s+", entry.get("author", ""))
        if a.strip()
    ]
    truncated = bool(authors) and authors[-1].lower() in ("others", "et al.")
    if truncated:
        authors.pop()
    year_text = (entry.get("year") or "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    cats = [c.strip() for c in (entry.get("primaryclass") or "").split(",") if c.strip()]
    return RawEntry(
        line=line,
        title=_clean(entry.get("title")),
        authors=[a for a in authors if a],
        authors_truncated=truncated,
        abstract=_clean(entry.get("abstract")),
        year=year,
        date_text=year_text or None,
        categories=cats,
        venue=_clean(entry.get("journal") or entry.get("booktitle") or entry.get("publisher")),
        kind=etype,
        url=entry.get("url")
        or (f"https://arxiv.org/abs/{entry['eprint']}" if entry.get("eprint") else None),
    )
