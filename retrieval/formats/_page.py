"""What every format parser returns before papers get ids and positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..models import NameSource, ParseIssue, Severity, SkippedBlock
from ._text import CatDate


@dataclass
class RawEntry:
    line: int
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False
    abstract: str | None = None
    date: dt.date | None = None
    date_text: str | None = None
    year: int | None = None
    categories: list[str] = field(default_factory=list)
    venue: str | None = None
    kind: str | None = None
    has_code: bool = False
    orgs: list[str] = field(default_factory=list)
    url: str | None = None


@dataclass
class StatedCount:
    """A count the page states about its own list ("62 papers", "39 published item(s)")."""

    key: str
    value: int
    line: int


@dataclass
class RawPage:
    format: str
    entries: list[RawEntry] = field(default_factory=list)
    name: str | None = None
    name_source: NameSource = NameSource.none
    name_line: int | None = None
    metrics: dict[str, int | float | str | bool] = field(default_factory=dict)
    stated_counts: list[StatedCount] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)
    skipped: list[SkippedBlock] = field(default_factory=list)
    profile_id: str | None = None
    # Entries the page seems to list (general reader only), for the coverage guard.
    seen_entries: int | None = None

    def warn(
        self,
        code: str,
        message: str,
        line: int | None = None,
        severity: Severity = Severity.warning,
    ) -> None:
        self.warnings.append(ParseIssue(code=code, message=message, line=line, severity=severity))

    def start_dated_entry(self, line: int, cd: CatDate) -> RawEntry:
        """A new entry from a category+date head line ("LGJul 1, 2024Code")."""
        entry = RawEntry(
            line=line,
            categories=[cd.category],
            date=cd.date,
            date_text=cd.date_text,
            year=cd.year,
            has_code=cd.has_code,
        )
        if cd.year is None:
            self.warn(
                "date_without_year", f"date {cd.date_text!r} has no year; year left empty", line
            )
        self.entries.append(entry)
        return entry

    def unparsed(self, line: int, text: str) -> None:
        snippet = text.strip()
        if len(snippet) > 80:
            snippet = snippet[:77] + "..."
        self.warn("unparsed_block", f"line not recognised as part of any entry: {snippet!r}", line)

    def skip(self, start: int, end: int, reason: str) -> None:
        self.skipped.append(SkippedBlock(start_line=start, end_line=end, reason=reason))
