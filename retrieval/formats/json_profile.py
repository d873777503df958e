"""JSON and JSONL: our own ``Profile`` JSON (what ``parse --json`` prints), or a lenient form
that users already have: ``{"name": ..., "papers": [...]}``, a bare list of papers, or JSONL with
one paper (or one profile) per line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InputFileError, InputTooLargeError
from ..models import NameSource, ParseIssue, SkippedBlock
from ._page import RawEntry, RawPage
from ._text import ET_AL, Line

FORMAT_JSON = "json"
FORMAT_JSONL = "jsonl"
# More papers than any real page lists; past it the file is a dump, not a profile.
MAX_PAPERS = 20_000


class PaperIn(BaseModel):
    """A paper as users write it; only ``title`` or ``abstract`` is required."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    authors_truncated: bool = False
    abstract: str | None = None
    date: dt.date | None = None
    date_text: str | None = None
    year: int | None = Field(None, ge=1800, le=2200)
    categories: list[str] = Field(default_factory=list)
    venue: str | None = None
    kind: str | None = None
    has_code: bool = False
    orgs: list[str] = Field(default_factory=list)
    url: str | None = None

    @field_validator("authors", mode="before")
    @classmethod
    def _split_authors(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [a.strip() for a in v.replace(" and ", ",").split(",") if a.strip()]
        return v

    @field_validator("categories", "orgs", mode="before")
    @classmethod
    def _split_list(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [c.strip() for c in v.split(",") if c.strip()]
        return v


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str | None = None
    name_source: NameSource | None = None
    metrics: dict[str, int | float | str | bool] = Field(default_factory=dict)
    papers: list[PaperIn]
    warnings: list[ParseIssue] = Field(default_factory=list)
    skipped: list[SkippedBlock] = Field(default_factory=list)


def sniff_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[") and not _looks_jsonl(text)


def sniff_jsonl(text: str) -> bool:
    return text.lstrip()[:1] == "{" and _looks_jsonl(text)


def _looks_jsonl(text: str) -> bool:
    """A first line that is a whole JSON object, and more lines after it. (Pretty-printed JSON
    opens with a line that is not a whole object.) Later lines are not looked at, so a bad line
    is reported by the JSONL parser on its own line number."""
    rows = (r for r in text.splitlines() if r.strip())
    first = next(rows, None)
    if first is None or next(rows, None) is None:
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _loads(text: str, path: Path, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        raise InputFileError(
            path, f"invalid JSON: {exc.msg} (column {exc.colno}); fix the syntax", line=where
        ) from None
    except RecursionError:
        raise InputFileError(
            path, "JSON nested too deeply to be a profile; check the file", line=line
        ) from None


def _format_validation(exc: ValidationError, prefix: str = "") -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{prefix}{loc}: {err['msg']}{more}"


def _entry(paper: PaperIn, line: int) -> RawEntry:
    authors = list(paper.authors)
    truncated = paper.authors_truncated
    if authors and ET_AL.fullmatch(" " + authors[-1]):
        authors.pop()
        truncated = True
    return RawEntry(
        line=line,
        title=paper.title,
        authors=authors,
        authors_truncated=truncated,
        abstract=paper.abstract,
        date=paper.date,
        date_text=paper.date_text,
        year=paper.year or (paper.date.year if paper.date else None),
        categories=paper.categories,
        venue=paper.venue,
        kind=paper.kind,
        has_code=paper.has_code,
        orgs=paper.orgs,
        url=paper.url,
    )


def _page(data: ProfileIn, fmt: str, lines: list[int]) -> RawPage:
    page = RawPage(format=fmt, profile_id=data.id)
    if data.name:
        page.name = data.name
        page.name_source = data.name_source or NameSource.given
    page.metrics = dict(data.metrics)
    page.warnings = list(data.warnings)
    page.skipped = list(data.skipped)
    page.entries = [_entry(p, lines[i] if i < len(lines) else 1) for i, p in enumerate(data.papers)]
    return page


def _title_lines(text: str, papers: list[Any]) -> list[int]:
    """Best-effort line of each paper in a JSON document: where its title (or abstract) occurs."""
    out, pos = [], 0
    for p in papers:
        key = None
        if isinstance(p, dict):
            key = p.get("title") or p.get("abstract")
        # The quoted JSON string, so "B" does not match inside "Bo Chen".
        found = -1
        if isinstance(key, str):
            for ascii_only in (False, True):  # files may or may not escape non-ASCII
                found = text.find(json.dumps(key, ensure_ascii=ascii_only), pos)
                if found >= 0:
                    break
        if found < 0:
            out.append(1)
            continue
        pos = found
        out.append(text.count("\n", 0, found) + 1)
    return out


def parse_json(text: str, path: Path) -> list[RawPage]:
    data = _loads(text, path)
    if isinstance(data, list):
        if data and all(isinstance(d, dict) and "papers" in d for d in data):
            return [_validate_profile(d, path, FORMAT_JSON, text) for d in data]
        data = {"papers": data}
    if isinstance(data, dict) and "papers" not in data and "title" in data:
        data = {"papers": [data]}  # one paper on its own (a one-line JSONL file)
    if not isinstance(data, dict) or "papers" not in data:
        raise InputFileError(
            path, "JSON must be a profile object with a 'papers' list, or a list of papers", line=1
        )
    return [_validate_profile(data, path, FORMAT_JSON, text)]


def _validate_profile(
    data: dict[str, Any], path: Path, fmt: str, text: str, line: int | None = None
) -> RawPage:
    """``data`` as a profile; papers are validated one by one, so the first bad one fails
    at once with its line, however long the list."""
    papers = data.get("papers")
    if isinstance(papers, list) and len(papers) > MAX_PAPERS:
        raise InputTooLargeError(
            path,
            f"{len(papers):,} papers in one profile, over the limit of {MAX_PAPERS:,}; split the "
            "file",
            line=line,
        )
    try:
        prof = ProfileIn.model_validate(
            {**data, "papers": []} if isinstance(papers, list) else data
        )
        prof.papers = []
        for idx, paper in enumerate(papers or []):
            try:
                prof.papers.append(PaperIn.model_validate(paper))
            except ValidationError as exc:
                err_line = line if line is not None else _title_lines(text, list(papers or []))[idx]
                raise InputFileError(
                    path,
                    "invalid profile: "
                    + _format_validation(exc, f"papers.{idx}.")
                    + "; see the Profile schema in the README",
                    line=err_line,
                ) from None
    except ValidationError as exc:
        raise InputFileError(
            path,
            "invalid profile: "
            + _format_validation(exc)
            + "; see the Profile schema in the README",
            line=line,
        ) from None
    except RecursionError:
        raise InputFileError(path, "profile nested too deeply; check the file", line=line) from None
    lines = [line] * len(prof.papers) if line is not None else _title_lines(text, data["papers"])
    return _page(prof, fmt, lines)


def parse_jsonl(lines: list[Line], path: Path) -> list[RawPage]:
    """One paper per line makes one profile; lines that hold whole profiles make one each."""
    papers: list[tuple[PaperIn, int]] = []
    pages: list[RawPage] = []
    profile_lines: list[int] = []
    for ln in lines:
        if ln.blank:
            continue
        obj = _loads(ln.text, path, line=ln.number)
        if not isinstance(obj, dict):
            raise InputFileError(
                path, "each JSONL line must be a JSON object (a paper or a profile)", line=ln.number
            )
        if "papers" in obj:
            pages.append(_validate_profile(obj, path, FORMAT_JSONL, ln.text, line=ln.number))
            profile_lines.append(ln.number)
            continue
        if len(papers) >= MAX_PAPERS:
            raise InputFileError(
                path, f"over {MAX_PAPERS:,} papers in one profile; split the file", line=ln.number
            )
        try:
            papers.append((PaperIn.model_validate(obj), ln.number))
        except RecursionError:
            raise InputFileError(path, "paper nested too deeply", line=ln.number) from None
        except ValidationError as exc:
            raise InputFileError(
                path, "invalid paper: " + _format_validation(exc), line=ln.number
            ) from None
    if papers and pages:
        first_profile = profile_lines[0]
        first_paper = papers[0][1]
        raise InputFileError(
            path,
            f"JSONL mixes paper lines (first on line {first_paper}) and profile lines (first on "
            f"line {first_profile}); use one kind per file",
            line=max(first_paper, first_profile),
        )
    if papers:
        page = RawPage(format=FORMAT_JSONL)
        page.entries = [_entry(p, n) for p, n in papers]
        return [page]
    if not pages:
        raise InputFileError(path, "no JSONL lines found; one JSON paper or profile per line")
    return pages
