"""``summarize``: evidence -> analysis (topics, novelty, stats) -> draft -> verify -> report."""

from __future__ import annotations

import logging
from typing import Literal

from retrieval.embeddings import Embedder
from retrieval.errors import ModelError, TransientError
from retrieval.models import Profile
from retrieval.search import search
from retrieval.store import VectorStore

from .drafting import OfflineDrafter
from .drafting.llm import LLMDrafter
from .evidence import Evidence, gather_evidence
from .llm import Budget, ChatModel
from .models import Drafting, Reference, Report, SentenceStatus, Usage, Verification
from .novelty import assess
from .settings import Settings
from .stats import compute_stats
from .topics import analyse
from .verify import Verifier

log = logging.getLogger(__name__)

MIN_SENTENCES = 3
LLMChoice = Literal["offline", "openai"]


def build_chat_model(settings: Settings) -> ChatModel:
    """The configured OpenAI-compatible model; a missing key fails here, naming the variable."""
    from .llm.openai_chat import OpenAIChat

    key = settings.openai_api_key
    return OpenAIChat(
        settings.llm.model,
        api_key=key.get_secret_value() if key else None,
        base_url=settings.openai_base_url,
        timeout_s=settings.llm.timeout_s,
        max_retries=settings.llm.max_retries,
        backoff_s=settings.llm.backoff_s,
    )


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
    injects a model for the 'openai' path (tests, other providers)."""
    requested: LLMChoice = llm or settings.llm.provider
    evidence = gather_evidence(store, profile, identity_id)
    warnings = _evidence_warnings(evidence)
    analysis = analyse(evidence, embedder)
    verifier = Verifier(evidence, embedder)

    offline = OfflineDrafter(analysis)
    drafting = Drafting(requested=requested, used="offline", evidence_papers=[])
    verification: Verification | None = None
    if requested == "openai":
        model = chat or build_chat_model(settings)
        budget = Budget(settings.llm.token_budget)
        drafter = LLMDrafter(
            model,
            lambda query, k: [
                h.label for h in search(store, embedder, profile, query, k, identity_id)
            ],
            budget,
            max_reasks=settings.llm.max_reasks,
            max_evidence=settings.llm.max_evidence,
        )
        drafting.model = model.name
        try:
            sentences = drafter.draft(evidence, analysis.themes)
            verification = verifier.verify(sentences)
            drafting.used = "openai"
            kept = verification.kept + verification.repaired
            if kept < MIN_SENTENCES:
                drafting.fallback_reason = (
                    f"the model's draft kept only {kept} verified sentence(s) of "
                    f"{len(sentences)}; the offline draft was used instead"
                )
                verification = None
        except TransientError as exc:
            drafting.fallback_reason = f"endpoint unavailable: {exc}"
        except ModelError as exc:
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
            log.warning("LLM drafter not used: %s", drafting.fallback_reason)
    if verification is None:
        sentences = offline.draft(evidence, analysis.themes)
        verification = verifier.verify(sentences)
        # The offline drafter reads every paper in scope.
        drafting.evidence_papers = [pe.label for pe in evidence.papers]

    kept = [s for s in verification.sentences if s.status != SentenceStatus.dropped]
    if len(kept) < MIN_SENTENCES:
        warnings.append(
            f"the blurb has {len(kept)} verified sentence(s); the evidence is too thin for "
            f"{MIN_SENTENCES}"
        )
    return Report(
        profile_id=profile.id,
        name=profile.name,
        identity_id=identity_id,
        blurb=" ".join(s.text for s in kept),
        topics=analysis.topics,
        novelty=assess(evidence, profile.metrics),
        stats=compute_stats(evidence),
        verification=verification,
        references=[
            Reference(label=pe.label, text=pe.short(160), year=pe.paper.year, url=pe.paper.url)
            for pe in evidence.papers
            if pe.label in {c for s in kept for c in s.citations}
        ],
        drafting=drafting,
        warnings=warnings,
    )


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
