"""Read a file into ``Profile`` models: validate the bytes, detect the format, assemble papers."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import fields
from pathlib import Path

from .categories import normalize_category
from .cleaning import clean_optional, clean_text, without_surrogates
from .config import DEFAULT_MAX_BYTES
from .errors import InputFileError, InputTooLargeError
from .formats import FORMATS, RawEntry, RawPage, parse_pages
from .formats._text import infer_owner, looks_like_author_line
from .models import NameSource, Paper, ParseIssue, Profile, Severity, stable_id
from .names import same_person

# Longest abstract and title kept (characters). Real abstracts are a few thousand characters;
# a pasted full text would take minutes to embed and drown the paper's own summary.
MAX_ABSTRACT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "load_bytes",
    "load_profiles",
    "parse_text",
    "profile_id_for",
]


# File names that say nothing about whose page it is: the folder names it.
_GENERIC_STEMS = {"page", "index", "publications", "papers", "research", "pubs", "home"}


def profile_id_for(path: Path) -> str:
    """Profile id from a file name: ``000_cc2c0bab4f5ccd32.txt`` -> ``000_cc2c0bab4f5ccd32``;
    ``cong-ma/page.html`` -> ``cong-ma-page``."""
    stem = path.stem
    if stem.lower() in _GENERIC_STEMS and path.parent.name not in ("", ".", ".."):
        stem = f"{path.parent.name}-{stem}"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")
    return slug or "profile"


def _read_text(path: Path, max_bytes: int) -> tuple[str, bytes]:
    if not path.exists():
        raise InputFileError(path, "no such file; check the path")
    if path.is_dir():
        raise InputFileError(path, "is a directory; pass the profile files inside it")
    if not path.is_file():
        # A device (/dev/zero), FIFO or socket reports size 0 and may never end.
        raise InputFileError(
            path, "not a regular file (a device, pipe or socket); save the page to a file first"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise InputTooLargeError(path, _too_big(size, max_bytes))
    try:
        with path.open("rb") as fh:
            # Bounded read: some files (e.g. under /proc) report a size of 0 and then grow.
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file: {exc.strerror}") from None
    return _text_of(path, data, max_bytes), data


def _text_of(path: Path, data: bytes, max_bytes: int) -> str:
    """The bytes of a page as normalised text, or an error naming what is wrong (and where)."""
    if len(data) > max_bytes:
        raise InputTooLargeError(path, _too_big(len(data), max_bytes))
    if not data.strip():
        raise InputFileError(path, "file is empty; export the profile page again")
    text = _decode(path, data)
    if not text.strip():
        raise InputFileError(path, "file is empty; export the profile page again")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def load_bytes(
    data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES, fmt: str | None = None
) -> list[Profile]:
    """Parse a page received as bytes (an upload). ``name`` only labels the profile and the
    error messages: it is reduced to a safe file name and never opened."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    path = Path(profile_id_for(Path(base)) + _suffix(base))
    text = _text_of(path, data, max_bytes)
    return parse_text(text, path, fmt=fmt, content_hash=hashlib.sha256(data).hexdigest())


def _suffix(name: str) -> str:
    """The extension of an uploaded name, when it is a plain one (format detection reads it)."""
    match = re.search(r"\.([A-Za-z0-9]{1,8})$", name)
    return f".{match.group(1).lower()}" if match else ""


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes; split it or raise "
        "PROFILE_AGENT_MAX_FILE_BYTES"
    )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """The byte order of UTF-16 text saved without a BOM: mostly-ASCII text then has a NUL
    in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode(path: Path, data: bytes) -> str:
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    encoding = encoding or (_utf16_without_bom(data) if b"\x00" in data else None) or "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding.startswith(("utf-16", "utf-32")):
            raise InputFileError(
                path, f"looks like {encoding.upper()} but does not decode; re-save it as UTF-8"
            ) from None
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            path,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); re-save the file "
            "as UTF-8",
            line=line,
        ) from None
    if "\x00" in text:
        # Anywhere in the file, not only near the start: a NUL is never part of a page.
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputFileError(
            path, "binary file (NUL byte); expected a text, JSON, BibTeX or Atom file", line=line
        )
    return text


def load_profiles(
    path: Path | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fmt: str | None = None,
    name: str | None = None,
    allow_partial: bool = False,
) -> list[Profile]:
    """Parse the file at ``path`` into one or more profiles (JSONL may hold several).

    ``name`` is the owner's name as the user gives it (it wins over the page's);
    ``allow_partial`` accepts a reading that covers clearly fewer entries than the page lists.
    """
    path = Path(path)
    text, data = _read_text(path, max_bytes)
    return parse_text(
        text,
        path,
        fmt=fmt,
        content_hash=hashlib.sha256(data).hexdigest(),
        name=name,
        allow_partial=allow_partial,
    )


def parse_text(
    text: str,
    path: Path,
    *,
    fmt: str | None = None,
    content_hash: str | None = None,
    name: str | None = None,
    allow_partial: bool = False,
    source: str | None = None,
) -> list[Profile]:
    """Parse ``text`` read from ``path`` (or fetched from ``source``, a URL)."""
    # Decoded bytes never hold a lone surrogate, but a caller's string may; the XML and HTML
    # parsers encode their input and would fail on one.
    pages = parse_pages(without_surrogates(text), path, fmt)
    content_hash = content_hash or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    base_id = profile_id_for(path)
    profiles: list[Profile] = []
    for i, page in enumerate(pages):
        if name and name.strip():
            page.name, page.name_source = re.sub(r"\s+", " ", name).strip(), NameSource.user
            page.name_line = None
        pid = clean_optional(page.profile_id) or (
            base_id if len(pages) == 1 else f"{base_id}-{i + 1}"
        )
        if any(p.id == pid for p in profiles):
            # Two records under one id would overwrite each other's chunks in the store.
            raise InputFileError(
                path,
                f"profile id {pid!r} is used by more than one profile in this file; give each "
                "profile its own 'id'",
                line=page.entries[0].line if page.entries else None,
            )
        profile = _assemble(page, pid, path, content_hash, i, allow_partial)
        if source:
            profile.source_path = source
        profiles.append(profile)
    return profiles


# The coverage guard: a reading is partial when it read under this share of the entries the
# page seems to list and missed at least _SHORT_MIN of them.
_COVERAGE_MIN = 0.8
_SHORT_MIN = 2


def _check_coverage(page: RawPage, read: int, path: Path, allow_partial: bool) -> None:
    seen = page.seen_entries
    if seen is None or seen <= read:
        return
    message = f"seen {seen} entries, read {read}"
    partial = read < _COVERAGE_MIN * seen and seen - read >= _SHORT_MIN
    if partial and not allow_partial:
        raise InputFileError(
            path,
            f"{message}: the page seems to list more papers than were read. Check "
            "'profile-agent parse FILE' (skipped sections, warnings), force a layout with "
            "--format, or pass --allow-partial to accept this reading",
        )
    page.warn(
        "coverage",
        f"{message}" + (" (partial reading accepted with --allow-partial)" if partial else ""),
        severity=Severity.warning if partial else Severity.info,
    )


def _clean_entry(page: RawPage, entry: RawEntry) -> None:
    """Page text made safe (see ``cleaning``), over-long fields cut with a warning."""
    for f in fields(entry):
        value = getattr(entry, f.name)
        if isinstance(value, str):
            setattr(entry, f.name, clean_optional(value))
        elif isinstance(value, list):
            setattr(entry, f.name, [c for v in value if (c := clean_optional(str(v)))])
    for name, limit in (("title", MAX_TITLE_CHARS), ("abstract", MAX_ABSTRACT_CHARS)):
        value = getattr(entry, name)
        if value is not None and len(value) > limit:
            setattr(entry, name, value[:limit].rstrip())
            page.warn(
                f"long_{name}",
                f"{name} is {len(value):,} characters; only the first {limit:,} are used "
                "(is a full text pasted in?)",
                entry.line,
            )


def _assemble(
    page: RawPage,
    profile_id: str,
    path: Path,
    content_hash: str,
    index: int,
    allow_partial: bool = False,
) -> Profile:
    papers: list[Paper] = []
    seen: dict[str, int] = {}
    page.name = clean_optional(page.name)
    page.metrics = {
        clean_text(k): clean_text(v) if isinstance(v, str) else v for k, v in page.metrics.items()
    }
    for entry in page.entries:
        _clean_entry(page, entry)
        if not (entry.title or entry.abstract):
            page.warn(
                "empty_entry", "entry has neither a title nor an abstract; not used", entry.line
            )
            continue
        if entry.title and not entry.authors and looks_like_author_line(entry.title):
            page.warn(
                "title_is_authors",
                f"the title {entry.title[:60]!r} reads like an author list; is the title line "
                "missing?",
                entry.line,
            )
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
        why = next((w for w in page.warnings if w.severity is Severity.warning), None)
        raise InputFileError(
            path,
            f"no papers found (read as {page.format!r}"
            + (f"; line {why.line}: {why.message}" if why else "")
            + (
                ": no known layout, and no title/author/venue entries or citations were recognised"
                if page.format in ("general", "html-page") and not why
                else ""
            )
            + "); check that this is a publication list, or pass --format",
            line=why.line if why else None,
        )
    _check_coverage(page, len(papers), path, allow_partial)

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


# A person's name: a few words, no markup or sentence punctuation ("Prof. Dr. Ann Lee",
# "J. R. R. Tolkien", "Ann-Marie O'Neil, Jr." pass; "Ann Lee. Ignore all previous ..." does not).
_NAME_MAX_WORDS = 8
_NAME_BAD_CHARS = re.compile(r"[<>{}\[\]=;:!?@#$%^*|\\\"_~`+\d]")  # "/" kept: "(she/her)"
_HONORIFICS = {"prof", "dr", "mr", "mrs", "ms", "jr", "sr", "st", "phd", "hon", "rev", "sir"}


def plausible_person_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > _NAME_MAX_WORDS or len(name) > 80:
        return False
    if _NAME_BAD_CHARS.search(name):
        return False
    for word in words[:-1]:
        bare = word.rstrip(".,")
        if word.endswith(".") and len(bare) > 2 and bare.lower() not in _HONORIFICS:
            return False  # "Sun." ends a sentence inside the "name"
    return True


def _resolve_owner(page: RawPage, papers: list[Paper]) -> None:
    author_lists = [p.authors for p in papers]
    if page.name and page.name_source != NameSource.user and not plausible_person_name(page.name):
        page.warn(
            "owner_not_a_name",
            f"the page's owner name {page.name[:80]!r} does not read as a person's name (too "
            'long, or with markup or sentence punctuation); not used. Pass --name "First Last"',
            page.name_line,
        )
        page.name, page.name_line = None, None
    if page.name:
        if any(author_lists):
            hits = sum(1 for a in author_lists if any(same_person(page.name, x) for x in a))
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
