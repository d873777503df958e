"""Run a suite: parse and ingest every case's page, build its report, score it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.analysis.evidence import evidence_of
from agent.llm import ChatModel
from agent.models import Report
from agent.workspace import Workspace
from retrieval.errors import InputFileError
from retrieval.models import Profile

from . import evaluators as ev
from .cases import EvalCase
from .evaluators import UNATTRIBUTED


class CaseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    profile_id: str
    metrics: dict[str, float]
    blurb: str
    failures: list[str] = Field(default_factory=list)
    known_failures: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list, description="Blurb quality findings.")


class SuiteResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[CaseResult]
    overall: dict[str, float]
    passed: bool = True
    failures: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    baseline: dict[str, float] | None = None


def predicted_identities(profile: Profile, report: Report) -> dict[str, str]:
    """Paper label -> the identity the report gave it; without identities, one person."""
    assignment = report.identities.assignment() if report.identities else {}
    # An unattributed paper is put with nobody: each is its own group.
    return {
        p.label: assignment.get(p.id, f"{UNATTRIBUTED}{p.label}" if assignment else "page")
        for p in profile.papers
    }


def score_case(
    ws: Workspace,
    case: EvalCase,
    profile: Profile,
    report: Report,
    judge: tuple[ChatModel, int] | None = None,
) -> CaseResult:
    # Only the page's texts are scored against: no vectors, no reference set.
    papers = evidence_of([(p, profile) for p in profile.papers], {})
    assignment = report.identities.assignment() if report.identities else {}

    def scope_texts(identity_id: str | None) -> Mapping[str, str]:
        return {
            pe.label: pe.evidence_text()
            for pe in papers
            if identity_id is None or assignment.get(pe.paper.id) == identity_id
        }

    parts = [(report.blurb, scope_texts(report.identity_id))]
    parts += [(o.blurb, scope_texts(o.id)) for o in report.other_identities]
    quality, findings = ev.quality(report)
    metrics = {
        **ev.parsing(case, profile),
        **ev.topics(case, report, ws.embedder),
        **ev.grounding(parts, profile.name),
        # One blurb per person: the report's, and each other identity's.
        **ev.content(case, [blurb for blurb, _ in parts], ws.embedder),
        **ev.identities(case, predicted_identities(profile, report)),
        **quality,
    }
    if judge is not None:
        from .judge import judge_blurb

        model, repeats = judge
        metrics.update(judge_blurb(model, report.blurb, case.expectation().themes, repeats))
    return _result(case, profile, report, metrics, findings)


def _result(
    case: EvalCase,
    profile: Profile,
    report: Report,
    metrics: Mapping[str, float],
    findings: list[str],
) -> CaseResult:
    return CaseResult(
        id=case.id,
        profile_id=profile.id,
        metrics={k: round(v, 4) for k, v in metrics.items()},
        blurb=report.blurb,
        findings=findings,
    )


def score_dev_case(
    ws: Workspace, case: EvalCase, progress: Callable[[str], None] | None = None
) -> CaseResult:
    """A dev page: parse it and score the reading against its gold.json; then ingest it, score
    a mixed page's identities against the gold groups, and the offline report's blurb quality."""
    if progress:
        progress(case.id)
    page = case.page(ws.settings.seeds_dir)
    if not page.is_file():
        raise InputFileError(
            case.source or page,
            f"case {case.id!r}: page {str(page)!r} not found; the dev pages live in the shared "
            "dir (the seeds dir's parent): set PROFILE_AGENT_SEEDS_DIR or fix 'shared'",
        )
    gold = case.gold(ws.settings.seeds_dir)
    profile = ws.parse(page, allow_partial=True)[0]
    metrics = ev.page_reading(gold, profile)
    ws.ingest_many([profile])  # idempotent: unchanged pages cost nothing
    report = ws.summarize(profile.id)
    quality, findings = ev.quality(report)
    metrics.update(quality)
    if gold.identity_groups():
        # The report's identities: the same grouping (stored corrections included) as the
        # 'identities' command, already computed.
        assignment = report.identities.assignment() if report.identities else {}
        matched = ev.gold_labels(gold, profile)
        # An unattributed paper is put with nobody: each is its own group (as in the seeds).
        predicted = {
            label: assignment.get(pid, f"{UNATTRIBUTED}{label}") for label, pid in matched.items()
        }
        metrics.update(ev.gold_identities(gold, predicted))
    else:
        metrics.update(ev.single_owner(report, len(profile.papers)))
    return _result(case, profile, report, metrics, findings)


def run_suite(
    ws: Workspace,
    cases: list[EvalCase],
    llm: Literal["offline", "openai"] | None = None,
    chat: ChatModel | None = None,
    progress: Callable[[str], None] | None = None,
    judge: tuple[ChatModel, int] | None = None,
) -> SuiteResult:
    """Score every case. ``judge``: (model, repeats) adds the optional LLM judge's scores."""
    dev = [c for c in cases if c.parse_only]
    cases = [c for c in cases if not c.parse_only]
    results = [score_dev_case(ws, case, progress) for case in dev]
    profiles: list[Profile] = []
    for case in cases:
        page = case.page(ws.settings.seeds_dir)
        if not page.is_file():
            raise InputFileError(
                case.source or page,
                f"case {case.id!r}: page {str(page)!r} not found; set PROFILE_AGENT_SEEDS_DIR "
                "or fix 'seed'/'file'",
            )
        parsed = ws.parse(page)
        if len(parsed) != 1:
            raise InputFileError(page, f"case {case.id!r}: the page holds {len(parsed)} profiles")
        profiles.append(parsed[0])
    if profiles:
        ws.ingest_many(profiles)  # idempotent: unchanged pages cost nothing
    for case, profile in zip(cases, profiles, strict=True):
        if progress:
            progress(case.id)
        report = ws.summarize(profile.id, llm=llm, chat=chat)
        results.append(score_case(ws, case, profile, report, judge))
    names = sorted({m for r in results for m in r.metrics})
    overall = {
        m: round(
            sum(r.metrics[m] for r in results if m in r.metrics)
            / sum(1 for r in results if m in r.metrics),
            4,
        )
        for m in names
    }
    return SuiteResult(cases=results, overall=overall)
