"""What a chat turn returns and what a session keeps: the ``Answer`` and its sentences."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..models import Usage, Verification

PAGE = "page"  # the citation of the page's own data (header metrics, listing counts, dates)
DONT_SAY = "The papers listed here don't say."


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentenceKind(StrEnum):
    paper = "paper"  # states what cited papers say; checked by the verifier
    page = "page"  # states the page's data (counts, years, metrics); cites [page]
    notice = "notice"  # about the answer itself (which person, what was declined); no claim


class AnswerSentence(_Model):
    text: str = Field(description="The sentence as shown, with its [P3] / [page] markers.")
    citations: list[str] = Field(
        default_factory=list, description="Paper labels it cites, or 'page' for the page's data."
    )
    kind: SentenceKind = SentenceKind.paper


class Answer(_Model):
    question: str
    standalone: str = Field(description="The question as answered, follow-ups made explicit.")
    profile_id: str
    name: str | None
    identity_id: str | None = Field(description="The person answered about (mixed pages).")
    identity_label: str | None = None
    sentences: list[AnswerSentence]
    abstained: bool
    reason: str | None = Field(None, description="Why it abstained (or declined part of it).")
    route: str = Field(description="How it was answered: page-data, papers, out-of-scope...")
    papers: list[str] = Field(default_factory=list, description="Papers the answer cites.")
    references: dict[str, str] = Field(
        default_factory=dict, description="Label -> title (or start of the abstract)."
    )
    verification: Verification | None = None
    llm: Literal["offline", "openai"] = "offline"
    model: str | None = None
    fallback_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    session_id: str | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


class Turn(_Model):
    question: str
    standalone: str
    answer: str
    identity_id: str | None
    papers: list[str] = Field(default_factory=list)
    abstained: bool = False
    at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class Session(_Model):
    id: str
    profile_id: str
    identity_id: str | None = Field(None, description="Chosen with --identity or /identity.")
    turns: list[Turn] = Field(default_factory=list)
