"""Answers from the page's data rather than its prose: counts, years, header metrics,
co-authors and categories. Every number is computed from the profile; sentences that list
papers cite them, sentences that count cite ``[page]``."""

from __future__ import annotations

from collections import Counter

from retrieval.names import name_key

from ..analysis.evidence import PaperEvidence
from ..language import appears_in, content_terms
from .context import ChatContext, Scope
from .models import PAGE, AnswerSentence, SentenceKind
from .routing import QUESTION_TERMS, Route

MAX_LISTED = 8
Result = tuple[list[AnswerSentence], str | None]  # (sentences, why it cannot answer)


def _page(text: str) -> AnswerSentence:
    return AnswerSentence(text=f"{text} [{PAGE}].", citations=[PAGE], kind=SentenceKind.page)


def _papers_sentence(lead: str, pes: list[PaperEvidence]) -> AnswerSentence:
    """'lead: "Title" (2021) [P3]; "Title" [P5].' One marker per paper."""
    items = []
    for pe in pes:
        year = f" ({pe.paper.year})" if pe.paper.year else ""
        items.append(f'"{pe.short(90)}"{year} [{pe.label}]')
    return AnswerSentence(
        text=f"{lead}: {'; '.join(items)}.",
        citations=[pe.label for pe in pes],
        kind=SentenceKind.paper,
    )


def _whose(ctx: ChatContext, scope: Scope) -> str:
    if scope.identity is not None:
        return f"this {ctx.profile.name or 'person'} ({scope.identity.id})"
    return ctx.profile.name or "the page's owner"


def _in_years(pes: list[PaperEvidence], years: tuple[int, int] | None) -> list[PaperEvidence]:
    if years is None:
        return pes
    lo, hi = years
    return [pe for pe in pes if pe.paper.year is not None and lo <= pe.paper.year <= hi]


def _years_text(years: tuple[int, int]) -> str:
    lo, hi = years
    if lo == hi:
        return f"in {lo}"
    if hi == 9999:
        return f"from {lo} on"
    if lo == 0:
        return f"up to {hi}"
    return f"from {lo} to {hi}"


def on_topic(ctx: ChatContext, pes: list[PaperEvidence], topic: str) -> list[PaperEvidence]:
    """Papers whose text states every content word of ``topic`` (stemmed), or whose text or
    listing (authors, venue) states the phrase ("with Lei Han")."""
    want = [t for t in content_terms(topic) if t not in QUESTION_TERMS]
    return [
        pe
        for pe in pes
        if want
        and (all(ctx.states(pe.label, t) for t in want) or appears_in(topic, pe.evidence_text()))
    ]


def answer_facts(
    ctx: ChatContext, scope: Scope, route: Route
) -> tuple[list[AnswerSentence], str | None]:
    """(sentences, reason to abstain or None)."""
    pes = scope.evidence.papers
    handler = {
        "metric": _metric,
        "count": _count,
        "by_year": _by_year,
        "timeline": _timeline,
        "coauthors": _coauthors,
        "categories": _categories,
    }[route.kind]
    return handler(ctx, scope, route, pes)


def _metric(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    metrics = ctx.profile.metrics
    key = route.metric or ""
    if key not in metrics:
        return [], f"the page states no {key.replace('_', ' ')}"
    value = metrics[key]
    name = key.replace("_", " ").replace("h index", "h-index").replace("i10 index", "i10-index")
    if isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, int):
        value = f"{value:,}"  # as pages write it: 2,701
    out = [_page(f"The page header gives {name} {value}")]
    if ctx.mixed:
        out.append(
            AnswerSentence(
                text="The header counts the whole page, which lists papers by more than one "
                "person with this name.",
                kind=SentenceKind.notice,
            )
        )
    return out, None


def _count(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    whose = _whose(ctx, scope)
    selected = _in_years(pes, route.years)
    when = f" {_years_text(route.years)}" if route.years else ""
    out: list[AnswerSentence] = []
    if route.topic:
        hits = on_topic(ctx, selected, route.topic)
        out.append(
            _page(
                f"{len(hits)} of the {len(selected)} papers{when} listed for {whose} mention "
                f"{route.topic}"
            )
        )
        if hits:
            out.append(
                _papers_sentence(
                    "They are" if len(hits) <= MAX_LISTED else f"The first {MAX_LISTED}",
                    hits[:MAX_LISTED],
                )
            )
        return out, None
    out.append(_page(f"The page lists {len(selected)} papers{when} for {whose}"))
    if scope.identity is not None:
        whole = _in_years(ctx.page.papers, route.years)
        out.append(_page(f"The whole page lists {len(whole)} papers{when}"))
    stated = ctx.profile.metrics.get("papers") or ctx.profile.metrics.get("works")
    if stated is not None and not route.years and stated != len(ctx.page.papers):
        out.append(_page(f"Its header states {stated}"))
    if route.years and selected:
        out.append(_papers_sentence("They are", selected[:MAX_LISTED]))
    return out, None


def _by_year(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    if not any(pe.paper.year for pe in pes):
        return [], "the page gives no dates for these papers"
    selected = _in_years(pes, route.years)
    if route.topic:
        selected = on_topic(ctx, selected, route.topic)
    when = _years_text(route.years or (0, 9999))
    about = f" on {route.topic}" if route.topic else ""
    if not selected:
        return [_page(f"The page lists no papers{about} {when} for {_whose(ctx, scope)}")], None
    out = [_page(f"The page lists {len(selected)} papers{about} {when} for {_whose(ctx, scope)}")]
    out.append(
        _papers_sentence(
            "They include" if len(selected) > MAX_LISTED else "They are", selected[:MAX_LISTED]
        )
    )
    return out, None


def _timeline(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    dated = [pe for pe in pes if pe.paper.year]
    if not dated:
        return [], "the page gives no dates for these papers"
    first = min(dated, key=lambda pe: (pe.paper.year, pe.paper.position))
    last = max(dated, key=lambda pe: (pe.paper.year, -pe.paper.position))
    undated = len(pes) - len(dated)
    span = (
        f"The dated papers listed for {_whose(ctx, scope)} run from {first.paper.year} to "
        f"{last.paper.year}"
    )
    out = [_page(span + (f" ({undated} undated)" if undated else ""))]
    out.append(_papers_sentence("The earliest", [first]))
    if last is not first:
        out.append(_papers_sentence("The most recent", [last]))
    return out, None


def _coauthors(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    owner = name_key(ctx.profile.name) if ctx.profile.name else None
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    papers: dict[str, list[str]] = {}
    for pe in pes:
        for author in dict.fromkeys(pe.paper.authors):
            key = name_key(author)
            if key == owner:
                continue
            counts[key] += 1
            shown.setdefault(key, author)
            papers.setdefault(key, []).append(pe.label)
    if not counts:
        return [], "the page lists no co-authors for these papers"
    top = sorted(counts.items(), key=lambda kv: (-kv[1], shown[kv[0]]))[:5]
    listed = ", ".join(f"{shown[k]} ({n} paper{'s' if n != 1 else ''})" for k, n in top)
    lead = f"The most frequent co-authors on the papers listed for {_whose(ctx, scope)}"
    return [_page(f"{lead}: {listed}")], None


def _categories(ctx: ChatContext, scope: Scope, route: Route, pes: list[PaperEvidence]) -> Result:
    counts = Counter(c for pe in pes for c in dict.fromkeys(pe.paper.categories))
    if not counts:
        return [], "the page states no categories for these papers"
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
    listed = ", ".join(f"{c} ({n} paper{'s' if n != 1 else ''})" for c, n in top)
    return [
        _page(f"The categories the page gives for {_whose(ctx, scope)}'s papers: {listed}")
    ], None
