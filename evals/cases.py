"""Eval cases: reference profiles written from the pages themselves, one YAML file per page.

A case names its page (``seed:`` a file in the seeds dir, or ``file:`` a path relative to the
case file) and what a good profile of it contains. See ``evals/README.md`` for the schema.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from retrieval.errors import InputFileError, UserError
from retrieval.yaml_input import read_yaml_model


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyFact(_Model):
    fact: str = Field(description="What a good blurb says, in words.")
    any_of: list[str] = Field(
        min_length=1, description="Phrases; the fact counts as mentioned if the blurb has any."
    )


class ForbiddenClaim(_Model):
    claim: str = Field(description="What a blurb must not say, in words.")
    all_of: list[list[str]] = Field(
        min_length=1,
        description="Groups of phrases; one blurb violates the claim when it contains a phrase "
        "of every group (e.g. QCD terms and game-RL terms in one person's blurb).",
    )


class Identities(_Model):
    groups: list[list[str]] = Field(
        default_factory=list, description="Paper labels that belong to one person, per group."
    )
    apart: list[tuple[str, str]] = Field(
        default_factory=list, description="Pairs of paper labels by different people."
    )


class Expect(_Model):
    owner: str | None = Field(description="The owner's name, or null when the page gives none.")
    papers: int = Field(ge=0, description="Papers listed on the page.")
    metrics: dict[str, int | float | str | bool] = Field(default_factory=dict)
    categories: list[str] = Field(default_factory=list, description="Reference arXiv codes.")
    themes: list[str] = Field(default_factory=list, description="Main research themes.")
    key_facts: list[KeyFact] = Field(default_factory=list)
    forbidden: list[ForbiddenClaim] = Field(default_factory=list)
    identities: Identities | None = None


class EvalCase(_Model):
    id: str
    description: str = ""
    seed: str | None = Field(None, description="File name in the seeds dir.")
    file: str | None = Field(None, description="Page path, relative to the case file.")
    expect: Expect
    source: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _one_page(self) -> EvalCase:
        if (self.seed is None) == (self.file is None):
            raise ValueError("give exactly one of 'seed' (a seeds-dir file) or 'file' (a path)")
        return self

    def page(self, seeds_dir: Path) -> Path:
        if self.seed is not None:
            return seeds_dir / self.seed
        base = self.source.parent if self.source else Path.cwd()
        return (base / (self.file or "")).resolve()


SEEDS_SUITE = Path(__file__).resolve().parent / "cases"


def load_suite(path: Path | str) -> list[EvalCase]:
    """All cases in a YAML file or a directory of them (``seeds`` names the built-in suite)."""
    root = SEEDS_SUITE if str(path) == "seeds" else Path(path)
    if root.is_dir():
        files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    elif root.is_file():
        files = [root]
    else:
        raise UserError(f"no eval suite at {str(root)!r}: give 'seeds', a YAML file or a directory")
    if not files:
        raise UserError(f"no *.yaml cases in {str(root)!r}")
    cases = [_load_case(f) for f in files]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise InputFileError(case.source or root, f"duplicate case id {case.id!r}")
        seen.add(case.id)
    return cases


def _load_case(path: Path) -> EvalCase:
    return read_yaml_model(
        path, EvalCase, "see evals/README.md for the case schema", extra={"source": path}
    )
