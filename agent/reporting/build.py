"""``summarize``: evidence -> analysis (topics, novelty, stats) -> draft -> verify -> report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from retrieval.embeddings import Embedder
from retrieval.errors import ModelError, NotFoundError, TransientError
from retrieval.models import Profile
from retrieval.search import search
from retrieval.store import VectorStore

from ..analysis.evidence import Evidence, gather_evidence
from ..analysis.novelty import assess, corpus_papers
from ..analysis.stats import compute_stats
from ..analysis.topics import Analysis, analyse
from ..drafting import OfflineDrafter
from ..drafting.llm import LLMDrafter
from ..identities.assignment import identities_of
from ..llm import Budget, ChatModel
from ..models import (
    Drafting,
    IdentityResult,
    OtherIdentity,
    Reference,
    Report,
    SentenceStatus,
    Usage,
    Verification,
)
from ..settings import Settings
from ..verify import Verifier

MIN_SENTENCES = 3
LLMChoice = Literal["offline", "openai"]


def build_chat_model(settings: Settings) -> ChatModel:
    """The configured OpenAI-compatible model; a missing key fails here, naming the variable."""
    from ..llm.openai_chat import OpenAIChat

    key = settings.openai_api_key
    return OpenAIChat(
        settings.llm.model,
        api_key=key.get_secret_value() if key else None,
        base_url=settings.openai_base_url,
        timeout_s=settings.llm.timeout_s,
        max_retries=settings.llm.max_retries,
        backoff_s=settings.llm.backoff_s,
    )


@dataclass
class _Scope:
    """What the report is about: the whole page, or one identity on a mixed page."""

    page: Evidence
    identities: IdentityResult
    scope_id: str | None
    evidence: Evidence
    analysis: Analysis


def build_report(
    profile: Profile,
    store: VectorStore,
    embedder: Embedder,
    settings: Settings,
    llm: LLMChoice | None = None,
    chat: ChatModel | None = None,
    identity_id: str | None = None,
) -> Report:
    """The report for one stored profile. ``llm`` overrides the configured drafter; ``chat``
    injects a model for the 'openai' path (tests, other providers). On a page that mixes
    people the report is about the primary identity (or ``identity_id``), with a banner and a
    short blurb for each other identity."""
    requested: LLMChoice = llm or settings.llm.provider
    scope = _scope(profile, store, embedder, identity_id)
    evidence, analysis = scope.evidence, scope.analysis
    warnings = _evidence_warnings(evidence)
    verifier = Verifier(evidence, embedder)
    drafting = Drafting(requested=requested, used="offline", evidence_papers=[])
    verification: Verification | None = None
    if requested == "openai":
        verification = _draft_with_llm(
            profile, store, embedder, settings, chat, scope, verifier, drafting, warnings
        )
    if verification is None:
        name = profile.name
        offline = OfflineDrafter(
            analysis, subject=f"The papers of this {name}" if scope.scope_id and name else None
        )
        verification = verifier.verify(offline.draft(evidence, analysis.themes))
        # The offline drafter reads every paper in scope.
        drafting.evidence_papers = [pe.label for pe in evidence.papers]

    kept = [s for s in verification.sentences if s.status != SentenceStatus.dropped]
    if len(kept) < MIN_SENTENCES:
        warnings.append(
            f"the blurb has {len(kept)} verified sentence(s); the evidence is too thin for "
            f"{MIN_SENTENCES}"
        )
    cited = {c for s in kept for c in s.citations}
    return Report(
        profile_id=profile.id,
        name=profile.name,
        identity_id=scope.scope_id,
        blurb=" ".join(s.text for s in kept),
        topics=analysis.topics,
        novelty=assess(
            evidence,
            analysis.topics.per_paper,
            corpus_papers(store.reference_papers()),
            profile.metrics,
        ),
        stats=compute_stats(evidence),
        verification=verification,
        references=[
            Reference(label=pe.label, text=pe.short(160), year=pe.paper.year, url=pe.paper.url)
            for pe in evidence.papers
            if pe.label in cited
        ],
        drafting=drafting,
        identities=scope.identities,
        banner=_banner(profile, scope),
        other_identities=(
            _others(scope.page, scope.identities, scope.scope_id, embedder)
            if scope.scope_id is not None
            else []
        ),
        warnings=warnings,
    )


def _scope(
    profile: Profile, store: VectorStore, embedder: Embedder, identity_id: str | None
) -> _Scope:
    """Evidence and analysis of the page, narrowed to one identity when the page mixes people
    (or when ``identity_id`` names one)."""
    page = gather_evidence(store, embedder, profile)
    page_analysis = analyse(page, embedder)
    identities = identities_of(store, page, page_analysis)
    if identity_id is not None and identities.by_id(identity_id) is None:
        known = ", ".join(i.id for i in identities.identities)
        raise NotFoundError(f"no identity {identity_id!r} in {profile.id} (identities: {known})")
    scope_id = identity_id or (identities.primary if identities.mixed else None)
    if scope_id is None:
        return _Scope(page, identities, None, page, page_analysis)
    evidence = _scoped(page, identities, scope_id)
    return _Scope(page, identities, scope_id, evidence, analyse(evidence, embedder))


def _draft_with_llm(
    profile: Profile,
    store: VectorStore,
    embedder: Embedder,
    settings: Settings,
    chat: ChatModel | None,
    scope: _Scope,
    verifier: Verifier,
    drafting: Drafting,
    warnings: list[str],
) -> Verification | None:
    """The model's verified draft, or None (with the reason in ``drafting`` and ``warnings``)
    when the endpoint fails, the output is unusable or too little of it survives verification."""
    evidence = scope.evidence
    model = chat or build_chat_model(settings)
    budget = Budget(settings.llm.token_budget)
    drafter = LLMDrafter(
        model,
        # Filter by the identity computed now (stored ids may predate newer profiles).
        lambda query, k: [
            h.label
            for h in search(store, embedder, profile, query, k * 4)
            if h.label in evidence.by_label
        ][:k],
        budget,
        max_reasks=settings.llm.max_reasks,
        max_evidence=settings.llm.max_evidence,
    )
    drafting.model = model.name
    verification: Verification | None = None
    try:
        sentences = drafter.draft(evidence, scope.analysis.themes)
        verification = verifier.verify(sentences)
        drafting.used = "openai"
        kept = verification.kept + verification.repaired
        if kept < MIN_SENTENCES:
            drafting.fallback_reason = (
                f"the model's draft kept only {kept} verified sentence(s) of "
                f"{len(sentences)}; the offline draft was used instead"
            )
            verification = None
            if not settings.llm.fallback:
                raise ModelError(
                    f"the model's draft kept only {kept} verified sentence(s) of "
                    f"{len(sentences)}; run without --no-fallback to draft offline instead"
                )
    except TransientError as exc:
        if not settings.llm.fallback:
            raise
        drafting.fallback_reason = f"endpoint unavailable: {exc}"
    except ModelError as exc:
        if not settings.llm.fallback:
            raise
        drafting.fallback_reason = f"model output unusable: {exc}"
    drafting.usage = Usage(
        llm_calls=budget.calls,
        prompt_tokens=budget.prompt_tokens,
        completion_tokens=budget.completion_tokens,
    )
    drafting.evidence_papers = drafter.shown
    if drafting.fallback_reason:
        drafting.used = "offline"
        warnings.append(f"LLM drafter not used: {drafting.fallback_reason}")
    return verification


def _banner(profile: Profile, scope: _Scope) -> str | None:
    """The mixed-page banner: how many people, and which one the report is about."""
    identities = scope.identities
    if not identities.mixed:
        return None
    primary = identities.by_id(scope.scope_id or identities.primary)
    if primary is None:
        return None
    who = f" named {profile.name}" if profile.name else ""
    return (
        f"This page lists papers by at least {identities.people} different people{who}. "
        f"This profile is about one of them: {primary.label} ({len(primary.papers)} of "
        f"{len(scope.page.papers)} papers). "
        + ("The other is" if identities.people == 2 else "The others are")
        + " summarised separately below"
        + (
            f"; {len(identities.unattributed)} single paper(s) are not attributed to anyone."
            if identities.unattributed
            else "."
        )
    )


def _scoped(page: Evidence, identities: IdentityResult, identity_id: str) -> Evidence:
    assignment = identities.assignment()
    return Evidence(
        page.profile,
        [pe for pe in page.papers if assignment.get(pe.paper.id) == identity_id],
        page.reference,
        identity_id,
    )


def _others(
    page: Evidence, identities: IdentityResult, scope_id: str, embedder: Embedder
) -> list[OtherIdentity]:
    """A short, verified blurb for every identity but the one the report is about; each is
    verified against its own papers only, so it cannot cite another identity's papers."""
    out = []
    for ident in identities.identities:
        if ident.id == scope_id:
            continue
        evidence = _scoped(page, identities, ident.id)
        analysis = analyse(evidence, embedder)
        subject = "This paper" if len(evidence.papers) == 1 else "These papers"
        drafter = OfflineDrafter(analysis, subject=subject, max_sentences=2)
        checked = Verifier(evidence, embedder).verify(drafter.draft(evidence, analysis.themes))
        kept = [s for s in checked.sentences if s.status != SentenceStatus.dropped]
        out.append(
            OtherIdentity(
                id=ident.id,
                label=ident.label,
                papers=[p.label for p in ident.papers],
                blurb=" ".join(s.text for s in kept),
                support_score=checked.support_score,
                dropped=checked.dropped,
            )
        )
    return out


def _evidence_warnings(evidence: Evidence) -> list[str]:
    out = []
    for pe in evidence.papers:
        for text in pe.quarantined:
            short = text if len(text) <= 90 else text[:87] + "..."
            out.append(
                f"{pe.label}: text addressed to an AI model was ignored (abstracts are data, "
                f"not instructions): {short!r}"
            )
    missing = [pe.label for pe in evidence.papers if pe.vector is None]
    if missing:
        out.append(
            f"{len(missing)} paper(s) have no vectors in the store ({', '.join(missing[:5])}); "
            "re-run 'profile-agent ingest' for this page"
        )
    mismatches = [i for i in evidence.profile.warnings if i.code == "count_mismatch"]
    if mismatches:
        lines = ", ".join(str(i.line) for i in mismatches if i.line)
        out.append(f"page (line {lines}): {mismatches[0].message}")
    return out
