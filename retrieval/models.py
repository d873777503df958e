"""Typed data of the pipeline: profiles, papers, chunks, search hits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

SCHEMA_VERSION = 1


class NameSource(StrEnum):
    """How the owner's name was found."""

    user = "user"  # given by the user (--name)
    heading = "heading"  # the page states it as its heading
    inferred = "inferred"  # the most frequent author, with clear evidence
    given = "given"  # a structured input (JSON) carried it
    none = "none"  # no name could be found; we never invent one


class Severity(StrEnum):
    info = "info"
    warning = "warning"


class ParseIssue(BaseModel):
    """Something about the page a user should know: a mismatch, an unparsed block, a guess."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable code, e.g. 'count_mismatch'.")
    message: str
    line: int | None = Field(None, description="1-based line in the source file.")
    severity: Severity = Severity.warning


class SkippedBlock(BaseModel):
    """Lines that were recognised as page chrome (navigation, buttons) and deliberately not used."""

    model_config = ConfigDict(extra="forbid")

    start_line: int
    end_line: int
    reason: str


class Paper(BaseModel):
    """One publication as listed on a profile page."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable id from the paper's own text (survives reordering).")
    position: int = Field(ge=1, description="1-based position on the page; shown as P<position>.")
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    authors_truncated: bool = Field(False, description="The page cut the list with 'et al.'.")
    abstract: str | None = None
    date: dt.date | None = None
    date_text: str | None = Field(None, description="The date exactly as the page wrote it.")
    year: int | None = None
    categories: list[str] = Field(default_factory=list, description="Category codes, e.g. 'LG'.")
    venue: str | None = None
    kind: str | None = Field(
        None, description="Publication type when the page says, e.g. 'preprint'."
    )
    has_code: bool = False
    orgs: list[str] = Field(default_factory=list)
    url: str | None = None
    source_line: int = Field(ge=1, description="Line of the source file where the entry starts.")
    identity_id: str | None = Field(
        None, description="Which real person wrote it (set by analysis)."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_label(cls, data: Any) -> Any:
        # ``label`` is derived from ``position``; accept our own JSON back without it.
        if isinstance(data, dict) and "label" in data:
            data = {k: v for k, v in data.items() if k != "label"}
        return data

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def label(self) -> str:
        return f"P{self.position}"

    def text(self) -> str:
        """Title and abstract, the text that is embedded and cited."""
        return "\n".join(part for part in (self.title, self.abstract) if part)


class Profile(BaseModel):
    """A researcher's publication page, parsed."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str = Field(description="Stable profile id (from the file name unless given).")
    name: str | None = None
    name_source: NameSource = NameSource.none
    source_format: str
    source_path: str | None = None
    content_hash: str = Field("", description="sha256 of the source bytes.")
    metrics: dict[str, int | float | str | bool] = Field(default_factory=dict)
    papers: list[Paper] = Field(default_factory=list)
    warnings: list[ParseIssue] = Field(default_factory=list)
    skipped: list[SkippedBlock] = Field(default_factory=list)

    def paper_by_label(self, label: str) -> Paper | None:
        m = re.fullmatch(r"[Pp]?(\d+)", label.strip())
        if not m:
            return None
        pos = int(m.group(1))
        return next((p for p in self.papers if p.position == pos), None)


class Chunk(BaseModel):
    """A piece of a paper's text as stored in the vector index."""

    model_config = ConfigDict(extra="forbid")

    id: str
    profile_id: str
    paper_id: str
    position: int
    index: int = Field(description="Chunk number within the paper.")
    text: str
    year: int | None = None
    categories: list[str] = Field(default_factory=list)
    identity_id: str | None = None

    def metadata(self) -> dict[str, Any]:
        """Chroma metadata (scalar values only; absent rather than None)."""
        meta: dict[str, Any] = {
            "profile_id": self.profile_id,
            "paper_id": self.paper_id,
            "position": self.position,
            "chunk_index": self.index,
            "categories": ",".join(self.categories),
            "identity_id": self.identity_id or "",
        }
        if self.year is not None:
            meta["year"] = self.year
        return meta


class SearchHit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paper_id: str
    label: str
    title: str | None
    score: float = Field(description="Cosine similarity, higher is closer.")
    snippet: str
    chunk_id: str
    identity_id: str | None = None


class ProfileSummary(BaseModel):
    """A profile as listed by the store."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str | None
    papers: int
    chunks: int
    source_format: str
    source_path: str | None = None
    # What was stored, in one string (content and reading hashes, chunks): it changes
    # whenever the profile's stored papers or vectors do.
    stamp: str = ""


def stable_id(*parts: str | None, n: int = 16) -> str:
    """Hash of normalised text parts: case, spacing and punctuation do not change it."""
    norm = "\x1f".join(re.sub(r"[\W_]+", " ", (p or "").lower()).strip() for p in parts)
    return hashlib.sha256(norm.encode()).hexdigest()[:n]
