"""Eval cases: reference profiles written from the pages themselves, one YAML file per page.

A case names its page (``seed:`` a file in the seeds dir, ``file:`` a path relative to the
case file, or ``shared:`` a dev page under the shared dir, scored against the ``gold.json``
beside it) and what a good profile of it contains. See ``evals/README.md`` for the schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from retrieval.errors import InputFileError, UserError
from retrieval.yaml_input import read_yaml_model

_M = TypeVar("_M", bound=BaseModel)


def read_json_model(path: Path, model: type[_M], hint: str) -> _M:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror}; {hint}") from None
    except ValueError as exc:
        raise InputFileError(path, f"not JSON ({exc}); {hint}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputFileError(path, f"{where}: {first['msg']}; {hint}") from None


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


class Gold(_Model):
    """A dev page's reference (``gold.json`` beside the page, kept outside the repo)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None
    n_papers: int
    paper_titles: list[str]
    years: list[int | None]
    owner_in_author_lists: bool = True
    identities: list[dict[str, object]] | None = None

    def identity_groups(self) -> list[list[str]]:
        groups = []
        for ident in self.identities or []:
            positions = ident.get("positions")
            if isinstance(positions, list):
                groups.append([f"P{int(p)}" for p in positions])
        return groups


class EvalCase(_Model):
    id: str
    description: str = ""
    seed: str | None = Field(None, description="File name in the seeds dir.")
    file: str | None = Field(None, description="Page path, relative to the case file.")
    shared: str | None = Field(
        None,
        description="Page path relative to the shared dir (the seeds dir's parent), e.g. "
        "'dev-pages/cong-ma/page.html'; a parse case whose reference is the gold.json beside it.",
    )
    expect: Expect | None = None
    source: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _one_page(self) -> EvalCase:
        given = [x for x in (self.seed, self.file, self.shared) if x is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'seed' (a seeds-dir file), 'file' (a path) or 'shared' "
                "(a dev page under the shared dir)"
            )
        if self.expect is None and self.shared is None:
            raise ValueError("'expect' is required unless the case is a 'shared' dev page")
        return self

    def expectation(self) -> Expect:
        if self.expect is None:
            raise UserError(f"case {self.id!r} has no 'expect' (a dev-page case is parse-only)")
        return self.expect

    @property
    def parse_only(self) -> bool:
        """A dev-page case: scored on the parse (and identities), from its gold.json."""
        return self.shared is not None

    def page(self, seeds_dir: Path) -> Path:
        if self.seed is not None:
            return seeds_dir / self.seed
        if self.shared is not None:
            return (seeds_dir.parent / self.shared).resolve()
        base = self.source.parent if self.source else Path.cwd()
        return (base / (self.file or "")).resolve()

    def gold(self, seeds_dir: Path) -> Gold:
        path = self.page(seeds_dir).parent / "gold.json"
        return read_json_model(path, Gold, "expected the dev-page gold.json beside the page")


SEEDS_SUITE = Path(__file__).resolve().parent / "cases"
DEV_SUITE = SEEDS_SUITE / "dev"


def load_suite(path: Path | str) -> list[EvalCase]:
    """All cases in a YAML file or a directory of them (``seeds`` and ``dev`` name the built-in
    suites)."""
    root = {"seeds": SEEDS_SUITE, "dev": DEV_SUITE}.get(str(path), Path(path))
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
