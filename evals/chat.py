"""The chat suite: questions per page with the papers an answer must cite, the page data it
must state, or the expectation to abstain; deterministic evaluators; a gate.

Metrics (per question, then the mean over all questions of the suite):

* ``chat.abstention_accuracy``: abstained exactly when the case expects it.
* ``chat.citation_precision`` / ``chat.citation_recall``: ALCE, per answer sentence citing
  papers, re-read from the answer text with ``evals.evaluators`` (lexical support, every number
  and name present), independent of the answerer's own verifier.
* ``chat.unsupported_share``: claim sentences (paper or [page]) not supported: a paper sentence
  its citations do not support, or a [page] sentence with a number the page's data lacks.
* ``chat.required_recall``: answers that cite at least one of the papers the case requires.
* ``chat.page_accuracy``: answers that state every value the case requires (counts, metrics).
* ``chat.identity_leakage``: answers that cite a paper of another identity than the one they
  say they are about, or switch person without saying so.
* ``chat.identity_accuracy``: answers about the person the case names (by one of their papers).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.chat import Answer, SentenceKind
from agent.chat.context import ChatContext
from agent.workspace import Workspace
from retrieval.errors import InputFileError, UserError
from retrieval.yaml_input import read_yaml_model

from . import evaluators as ev
from .gate import Bound

CHAT_SUITE = Path(__file__).resolve().parent / "chat_cases"
CHAT_THRESHOLDS = Path(__file__).resolve().parent / "chat_thresholds.yaml"
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatQuestion(_Model):
    id: str
    ask: str
    kind: str = Field(description="What it tests: content, follow-up, cross-identity, ...")
    after: str | None = Field(None, description="A follow-up of this question (same session).")
    identity: str | None = Field(None, description="Asked with --identity.")
    abstain: bool = False
    cite_any: list[str] = Field(default_factory=list, description="Must cite one of these.")
    mentions: list[str] = Field(default_factory=list, description="Must state each of these.")
    about: str | None = Field(None, description="A paper of the person it must be about.")


class ChatCase(_Model):
    id: str
    description: str = ""
    seed: str
    questions: list[ChatQuestion]
    source: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _follow_ups_refer_back(self) -> ChatCase:
        seen: set[str] = set()
        for q in self.questions:
            if q.after is not None and q.after not in seen:
                raise ValueError(f"question {q.id!r}: 'after: {q.after}' names no earlier question")
            seen.add(q.id)
        return self


class QuestionResult(_Model):
    case: str
    id: str
    kind: str
    answer: str
    abstained: bool
    metrics: dict[str, float]


class ChatSuiteResult(_Model):
    questions: list[QuestionResult]
    overall: dict[str, float]
    passed: bool = True
    failures: list[str] = Field(default_factory=list)


class ChatThresholds(_Model):
    overall: dict[str, Bound]


def load_chat_suite(path: Path = CHAT_SUITE) -> list[ChatCase]:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not files[0].is_file():
        raise UserError(f"no chat cases at {str(path)!r}")
    return [
        read_yaml_model(f, ChatCase, "see evals/chat.py for the schema", extra={"source": f})
        for f in files
    ]


def _supported_page(text: str, facts: str) -> bool:
    """A [page] sentence: each number it states is one the page's data gives."""
    have = {n.replace(",", "") for n in _NUMBER.findall(facts)}
    return all(n.replace(",", "") in have for n in _NUMBER.findall(text))


def page_facts(ctx: ChatContext) -> str:
    """Every number the page's data gives: header metrics, years, and the counts of papers
    per identity, per year (and per year range start), recomputed here."""
    papers = ctx.page.papers
    groups = [papers] + [s.evidence.papers for k, s in ctx.scopes.items() if k is not None]
    nums = {str(v) for v in ctx.profile.metrics.values()}
    for group in groups:
        nums.add(str(len(group)))
        years = sorted({pe.paper.year for pe in group if pe.paper.year})
        nums.update(str(y) for y in years)
        nums.add(str(len(group) - sum(1 for pe in group if pe.paper.year)))
        for y in years:
            nums.add(str(sum(1 for pe in group if pe.paper.year == y)))
            nums.add(str(sum(1 for pe in group if pe.paper.year and pe.paper.year >= y)))
            nums.add(str(sum(1 for pe in group if pe.paper.year and pe.paper.year <= y)))
        authors = [a for pe in group for a in dict.fromkeys(pe.paper.authors)]
        nums.update(str(authors.count(a)) for a in set(authors))
        cats = [c for pe in group for c in dict.fromkeys(pe.paper.categories)]
        nums.update(str(cats.count(c)) for c in set(cats))
        nums.update(str(n) for n in range(len(group) + 1))  # topic counts: at most the group
    return " ".join(sorted(nums))


def score_answer(ctx: ChatContext, q: ChatQuestion, answer: Answer) -> dict[str, float]:
    texts = {pe.label: pe.evidence_text() for pe in ctx.page.papers}
    owner = ctx.profile.name
    names = frozenset({owner.lower(), *owner.lower().split()}) if owner else frozenset()
    allowed = ev.FRAMING | frozenset(ev.content_terms(owner or ""))
    m: dict[str, float] = {"chat.abstention_accuracy": float(answer.abstained == q.abstain)}
    if answer.abstained:
        return m
    facts = page_facts(ctx)
    claims = 0
    supported = 0
    precise = 0
    cited = 0
    for s in answer.sentences:
        if s.kind == SentenceKind.notice:
            continue
        claims += 1
        if s.kind == SentenceKind.page:
            supported += _supported_page(s.text, facts)
            continue
        for claim in ev.blurb_claims(s.text):
            ok, p, _ = ev._ground_claim(claim, texts, allowed, names)
            supported += ok
            precise += p
            cited += sum(1 for c in claim.citations if c in texts)
    paper_sentences = sum(1 for s in answer.sentences if s.kind == SentenceKind.paper)
    if cited:
        m["chat.citation_precision"] = precise / cited
    if paper_sentences:
        m["chat.citation_recall"] = (
            sum(
                ev._ground_claim(c, texts, allowed, names)[0]
                for s in answer.sentences
                if s.kind == SentenceKind.paper
                for c in ev.blurb_claims(s.text)
            )
            / paper_sentences
        )
    if claims:
        m["chat.unsupported_share"] = (claims - supported) / claims
    if q.cite_any:
        m["chat.required_recall"] = float(bool(set(q.cite_any) & set(answer.papers)))
    if q.mentions:
        text = answer.text.replace(",", "")
        m["chat.page_accuracy"] = float(all(x.replace(",", "") in text for x in q.mentions))
    if ctx.mixed:
        foreign = [p for p in answer.papers if ctx.identity_of.get(p) != answer.identity_id]
        switched = answer.identity_id != (q.identity or ctx.primary)
        said = any(
            s.kind == SentenceKind.notice and "different" in s.text for s in answer.sentences
        )
        m["chat.identity_leakage"] = float(bool(foreign) or (switched and not said))
        if q.about:
            m["chat.identity_accuracy"] = float(answer.identity_id == ctx.identity_of.get(q.about))
    return m


def run_chat_suite(ws: Workspace, cases: list[ChatCase]) -> ChatSuiteResult:
    results: list[QuestionResult] = []
    for case in cases:
        page = ws.settings.seeds_dir / case.seed
        if not page.is_file():
            raise InputFileError(
                case.source or page, f"case {case.id!r}: page {str(page)!r} not found"
            )
        [profile] = ws.parse(page)
        ws.ingest_many([profile])
        ctx = ws.chat_context(profile.id)
        sessions: dict[str, str] = {}
        for i, q in enumerate(case.questions):
            if q.after is None:
                session = f"eval-{case.id}-{i}"
                ws.store.sessions.delete(ids=[session])  # every run starts from a clean history
            else:
                session = sessions[q.after]
            sessions[q.id] = session
            answer = ws.ask(profile.id, q.ask, identity_id=q.identity, session_id=session)
            results.append(
                QuestionResult(
                    case=case.id,
                    id=q.id,
                    kind=q.kind,
                    answer=answer.text,
                    abstained=answer.abstained,
                    metrics={k: round(v, 4) for k, v in score_answer(ctx, q, answer).items()},
                )
            )
    names = sorted({k for r in results for k in r.metrics})
    overall = {
        k: round(
            sum(r.metrics[k] for r in results if k in r.metrics)
            / sum(1 for r in results if k in r.metrics),
            4,
        )
        for k in names
    }
    return ChatSuiteResult(questions=results, overall=overall)


def gate_chat(result: ChatSuiteResult, path: Path = CHAT_THRESHOLDS) -> ChatSuiteResult:
    thresholds = read_yaml_model(path, ChatThresholds, "overall: {metric: {min|max: x}}")
    failures = [
        f"{metric} {broken}"
        for metric, bound in thresholds.overall.items()
        if (broken := bound.broken_by(result.overall.get(metric, float("nan"))))
        or metric not in result.overall
    ]
    return result.model_copy(update={"failures": failures, "passed": not failures})


def to_markdown(result: ChatSuiteResult) -> str:
    head = "PASSED" if result.passed else "FAILED"
    lines = [f"# Chat eval: {head}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in result.overall.items()]
    lines += [
        "",
        "| case | question | kind | abstained | failing metrics |",
        "|---|---|---|---|---|",
    ]
    for r in result.questions:
        bad = [
            k
            for k, v in r.metrics.items()
            if (v < 1 and "leak" not in k and "unsupported" not in k)
            or (v > 0 and ("leak" in k or "unsupported" in k))
        ]
        lines.append(f"| {r.case} | {r.id} | {r.kind} | {r.abstained} | {', '.join(bad)} |")
    lines += [f"- {f}" for f in result.failures]
    return "\n".join(lines) + "\n"
