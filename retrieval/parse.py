"""Read a file into ``Profile`` models: validate the bytes, detect the format, assemble papers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .categories import normalize_category
from .errors import InputFileError
from .formats import FORMATS, RawPage, parse_pages
from .formats._text import infer_owner
from .models import NameSource, Paper, ParseIssue, Profile, Severity, stable_id
from .names import name_key

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "load_bytes",
    "load_profiles",
    "parse_text",
    "profile_id_for",
]


def profile_id_for(path: Path) -> str:
    """Profile id from a file name: ``000_cc2c0bab4f5ccd32.txt`` -> ``000_cc2c0bab4f5ccd32``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.")
    return slug or "profile"


def _read_text(path: Path, max_bytes: int) -> tuple[str, bytes]:
    if not path.exists():
        raise InputFileError(path, "no such file; check the path")
    if path.is_dir():
        raise InputFileError(path, "is a directory; pass the profile files inside it")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputFileError(path, _too_big(size, max_bytes))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file: {exc.strerror}") from None
    return _decode(data, path), data


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit; split it or raise "
        "PROFILE_AGENT_MAX_FILE_BYTES"
    )


def _decode(data: bytes, path: Path) -> str:
    """The bytes of a page as text, or an error naming the line that is not text."""
    if not data.strip():
        raise InputFileError(path, "file is empty; export the profile page again")
    if b"\x00" in data[:8192]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputFileError(
            path, "binary file (NUL byte); expected a text, JSON, BibTeX or Atom file", line=line
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            path,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); re-save the file as UTF-8",
            line=line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_bytes(
    data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES, fmt: str | None = None
) -> list[Profile]:
    """Parse a page received as bytes (an upload). ``name`` only labels the profile and the
    error messages: it is reduced to a safe file name and never opened."""
    path = Path(profile_id_for(Path(name.replace("\\", "/").rsplit("/", 1)[-1])) + _suffix(name))
    if len(data) > max_bytes:
        raise InputFileError(path, _too_big(len(data), max_bytes))
    text = _decode(data, path)
    return parse_text(text, path, fmt=fmt, content_hash=hashlib.sha256(data).hexdigest())


def _suffix(name: str) -> str:
    """The extension of an uploaded name, when it is a plain one (format detection reads it)."""
    match = re.search(r"\.([A-Za-z0-9]{1,8})$", name)
    return f".{match.group(1).lower()}" if match else ""


def load_profiles(
    path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, fmt: str | None = None
) -> list[Profile]:
    """Parse the file at ``path`` into one or more profiles (JSONL may hold several)."""
    path = Path(path)
    text, data = _read_text(path, max_bytes)
    return parse_text(text, path, fmt=fmt, content_hash=hashlib.sha256(data).hexdigest())


def parse_text(
    text: str, path: Path, *, fmt: str | None = None, content_hash: str | None = None
) -> list[Profile]:
    pages = parse_pages(text, path, fmt)
    content_hash = content_hash or hashlib.sha256(text.encode()).hexdigest()
    base_id = profile_id_for(path)
    profiles = []
    for i, page in enumerate(pages):
        pid = page.profile_id or (base_id if len(pages) == 1 else f"{base_id}-{i + 1}")
        profiles.append(_assemble(page, pid, path, content_hash, i))
    return profiles


def _assemble(page: RawPage, profile_id: str, path: Path, content_hash: str, index: int) -> Profile:
    papers: list[Paper] = []
    seen: dict[str, int] = {}
    for entry in page.entries:
        if not (entry.title or entry.abstract):
            page.warn(
                "empty_entry", "entry has neither a title nor an abstract; not used", entry.line
            )
            continue
        pid = stable_id(entry.title, (entry.abstract or "")[:200])
        if pid in seen:
            first = seen[pid]
            page.warn(
                "duplicate_paper",
                f"same paper as P{first}; kept both, the second as a copy",
                entry.line,
            )
            pid = f"{pid}-{sum(1 for p in papers if p.id.startswith(pid)) + 1}"
        cats = []
        for raw in entry.categories:
            code = normalize_category(raw) or raw
            if code not in cats:
                cats.append(code)
        paper = Paper(
            id=pid,
            position=len(papers) + 1,
            title=entry.title,
            authors=entry.authors,
            authors_truncated=entry.authors_truncated,
            abstract=entry.abstract,
            date=entry.date,
            date_text=entry.date_text,
            year=entry.year,
            categories=cats,
            venue=entry.venue,
            kind=entry.kind,
            has_code=entry.has_code,
            orgs=entry.orgs,
            url=entry.url,
            source_line=entry.line,
        )
        seen.setdefault(pid, paper.position)
        papers.append(paper)
    if not papers:
        raise InputFileError(
            path,
            f"no papers found (read as {page.format!r}); check that this is a "
            "publication list, or pass --format",
        )

    _resolve_owner(page, papers)
    for stated in page.stated_counts:
        if stated.value != len(papers):
            page.warn(
                "count_mismatch",
                f"the page says {stated.value} ({stated.key.replace('_', ' ')}) but lists {len(papers)} "
                "papers; both are kept: the stated figure in metrics, the listed papers in papers",
                stated.line,
            )
    return Profile(
        id=profile_id,
        name=page.name,
        name_source=page.name_source,
        source_format=page.format,
        source_path=str(path),
        content_hash=content_hash if index == 0 else f"{content_hash}:{index}",
        metrics=page.metrics,
        papers=papers,
        warnings=page.warnings,
        skipped=page.skipped,
    )


def _resolve_owner(page: RawPage, papers: list[Paper]) -> None:
    author_lists = [p.authors for p in papers]
    if page.name:
        if any(author_lists):
            key = name_key(page.name)
            hits = sum(1 for a in author_lists if any(name_key(x) == key for x in a))
            page.warnings.append(
                ParseIssue(
                    code="owner_in_authors",
                    severity=Severity.info,
                    line=page.name_line,
                    message=f"{page.name!r} appears in the visible author lists of {hits} of "
                    f"{sum(1 for a in author_lists if a)} papers",
                )
            )
        return
    guess = infer_owner(author_lists)
    if guess.name:
        page.name, page.name_source = guess.name, NameSource.inferred
        page.warnings.append(
            ParseIssue(
                code="owner_inferred",
                severity=Severity.info,
                message=f"owner inferred: {guess.reason}",
            )
        )
    else:
        page.name_source = NameSource.none
        page.warnings.append(
            ParseIssue(
                code="owner_unknown",
                severity=Severity.info,
                message=f"owner not named: {guess.reason}",
            )
        )
