"""The report and its parts: what ``summarize`` returns, renders and the evals score."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPORT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentenceStatus(StrEnum):
    kept = "kept"
    repaired = "repaired"
    dropped = "dropped"


class CheckedSentence(_Model):
    """A draft sentence after verification."""

    text: str = Field(description="The sentence with its citations, as it appears in the blurb.")
    citations: list[str] = Field(description="Paper labels it cites, e.g. ['P3', 'P7'].")
    status: SentenceStatus
    support: float = Field(
        ge=0, le=1, description="How well the cited papers support it (see Verification)."
    )
    lexical: float = Field(ge=0, le=1, description="Share of its content words in the evidence.")
    semantic: float = Field(description="Cosine similarity to the closest cited paper.")
    citation_support: dict[str, float] = Field(
        default_factory=dict, description="Support by each cited paper on its own."
    )
    reasons: list[str] = Field(
        default_factory=list, description="What was repaired or why dropped."
    )
    original: str | None = Field(None, description="The draft text before a repair.")


class Verification(_Model):
    method: str
    threshold: float
    support_score: float | None = Field(description="Mean support of the sentences kept.")
    sentences: list[CheckedSentence]
    kept: int
    repaired: int
    dropped: int


class CoarseTag(_Model):
    """An arXiv category for the profile, aggregated over its papers."""

    code: str
    name: str
    weight: float = Field(description="Share of the papers in scope with this category.")
    confidence: float = Field(ge=0, le=1)
    source: Literal["page", "predicted", "page+predicted"]
    papers: list[str]


class PaperCategory(_Model):
    """One paper's category: from the page, predicted, or not classifiable."""

    paper: str
    codes: list[str]
    source: Literal["page", "predicted", "not_classifiable"]
    confidence: float = Field(ge=0, le=1)
    runner_up: str | None = None


class FineTopic(_Model):
    phrase: str
    weight: float = Field(description="Share of the papers in scope that state the phrase.")
    papers: list[str]


class TimelinePoint(_Model):
    year: int
    topic: str
    weight: float = Field(description="Share of that year's papers on the topic.")
    papers: list[str]


class Topics(_Model):
    coarse: list[CoarseTag]
    per_paper: list[PaperCategory]
    not_classifiable: list[str] = Field(description="Papers no category fits with confidence.")
    fine: list[FineTopic]
    themes: list[FineTopic] = Field(description="Clusters of related papers, named by a phrase.")
    timeline: list[TimelinePoint]
    timeline_note: str | None = None
    method: str


class NeighbourPaper(_Model):
    profile_id: str
    profile_name: str | None
    label: str
    text: str = Field(description="Title, or the start of the abstract when there is none.")
    year: int | None
    similarity: float
    earlier: bool | None = Field(description="Dated before the paper it is compared with.")


class NoveltyPaper(_Model):
    paper: str
    text: str
    year: int | None
    percentile: float = Field(ge=0, le=100)
    nearest: NeighbourPaper


class Novelty(_Model):
    status: Literal["scored", "abstained"]
    score: int | None = Field(None, ge=0, le=100)
    method: str
    reason: str | None = None
    reference_papers: int = Field(description="Reference papers in the fields of the papers.")
    reference_profiles: int = Field(description="Their sources: profiles and corpus files.")
    reference_set: str | None = Field(
        None, description="The reference set used, per field, in words."
    )
    scored_papers: int = Field(0, description="Papers compared with their field's earlier work.")
    most_novel: list[NoveltyPaper] = Field(default_factory=list)
    least_novel: list[NoveltyPaper] = Field(default_factory=list)
    percentiles: dict[str, float] = Field(
        default_factory=dict, description="Every scored paper's percentile, by label."
    )
    page_figure: float | None = Field(None, description="The page's own novelty figure, if any.")
    page_comparison: str | None = None


class CoAuthor(_Model):
    name: str
    papers: int


class Stats(_Model):
    papers: int
    papers_stated: int | None = Field(description="The count the page claims, when it states one.")
    first_year: int | None
    last_year: int | None
    undated: int
    with_code: int
    with_abstract: int
    top_coauthors: list[CoAuthor]
    metrics: dict[str, int | float | str | bool]


class Usage(_Model):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Drafting(_Model):
    requested: Literal["offline", "openai"]
    used: Literal["offline", "openai"]
    model: str | None = None
    fallback_reason: str | None = None
    evidence_papers: list[str] = Field(description="Papers the drafter was shown.")
    usage: Usage = Field(default_factory=Usage)


class Reference(_Model):
    """A paper the blurb cites, so a reader can check it."""

    label: str
    text: str = Field(description="Title, or the start of the abstract when there is none.")
    year: int | None = None
    url: str | None = None


class Corrections(_Model):
    """A user's corrections for one profile (``profile-agent identities P --corrections F``)."""

    together: list[list[str]] = Field(default_factory=list, description="Labels of one person.")
    apart: list[tuple[str, str]] = Field(default_factory=list, description="Different people.")

    @field_validator("together")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len({g.strip().upper() for g in group}) < 2:
                raise ValueError(
                    f"together group {group!r} needs at least two different papers, e.g. [P1, P2]"
                )
        return groups

    @field_validator("apart")
    @classmethod
    def _pairs(cls, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for a, b in pairs:
            if a.strip().upper() == b.strip().upper():
                raise ValueError(
                    f"apart pair [{a}, {b}] names one paper twice; name two papers, e.g. [P3, P5]"
                )
        return pairs


class IdentityPaper(_Model):
    id: str
    position: int
    label: str
    title: str | None
    year: int | None = None
    confidence: float = Field(ge=0, le=1)


class IdentityEvidence(_Model):
    coauthors: list[str] = Field(default_factory=list, description="Shared by >= 2 papers.")
    orgs: list[str] = Field(default_factory=list)
    top_terms: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list)
    single_author: int = Field(0, description="Papers with the owner as the only author.")


class Identity(_Model):
    id: str
    label: str
    confidence: float = Field(ge=0, le=1)
    field: str | None
    evidence: IdentityEvidence
    papers: list[IdentityPaper]


class IdentityResult(_Model):
    mixed: bool
    people: int = Field(1, description="At least this many different people on the page.")
    primary: str
    reason: str
    identities: list[Identity]
    unattributed: list[IdentityPaper] = Field(
        default_factory=list,
        description="Single papers nothing separates from the identities listed: other "
        "papers, not attributed to anyone.",
    )
    corrections_applied: bool = False

    def assignment(self) -> dict[str, str]:
        """Paper id -> identity id."""
        return {p.id: ident.id for ident in self.identities for p in ident.papers}

    def by_id(self, identity_id: str) -> Identity | None:
        return next((i for i in self.identities if i.id == identity_id), None)


class OtherIdentity(_Model):
    """Another person on a mixed page: a short cited blurb of their papers only."""

    id: str
    label: str
    papers: list[str]
    blurb: str
    support_score: float | None
    dropped: int


class Report(_Model):
    version: int = REPORT_VERSION
    profile_id: str
    name: str | None
    identity_id: str | None = None
    blurb: str = Field(description="The verified blurb: 3-6 cited sentences when evidence allows.")
    topics: Topics
    novelty: Novelty
    stats: Stats
    verification: Verification
    references: list[Reference] = Field(default_factory=list)
    drafting: Drafting
    identities: IdentityResult | None = None
    banner: str | None = Field(None, description="Shown first when the page mixes people.")
    other_identities: list[OtherIdentity] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
