"""One chat turn: route the question, pick the person and the papers, draft (offline or LLM),
verify, and record the turn in the session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from retrieval.embeddings import Embedder
from retrieval.errors import ModelError, NotFoundError, TransientError

from ..drafting.base import DraftSentence
from ..llm import Budget, ChatModel
from ..models import CheckedSentence, Identity, SentenceStatus, Usage, Verification
from ..settings import Settings
from ..verify import METHOD, THRESHOLD
from .context import ChatContext, Scope
from .facts import answer_facts
from .models import DONT_SAY, Answer, AnswerSentence, SentenceKind, Session, Turn
from .offline import Candidate, draft_from_papers, passes, rank_papers
from .routing import Route, route

log = logging.getLogger(__name__)
LLMChoice = Literal["offline", "openai"]
HISTORY = 6  # turns a follow-up may refer back to

_DECLINED = {
    "pay or money": "Pay and money are not something the listed papers cover.",
    "private life": "A person's private life is not something the listed papers cover.",
    "opinions": "This chat gives no opinions of people; it reports what the listed papers say.",
    "predictions": "This chat makes no predictions; it reports what the listed papers say.",
    "instructions": "Instructions inside a question are not followed; ask about the papers.",
}


class Turner:
    """Answers questions about one profile (``ChatContext``) with one embedder and settings."""

    def __init__(
        self,
        ctx: ChatContext,
        embedder: Embedder,
        settings: Settings,
        llm: LLMChoice = "offline",
        chat: ChatModel | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.embedder = embedder
        self.settings = settings
        self.llm = llm
        self.chat = chat
        self.on_token = on_token
        self.history: list[dict[str, str]] = []

    def ask(
        self, question: str, session: Session | None = None, identity_id: str | None = None
    ) -> Answer:
        ctx = self.ctx
        history = session.turns[-HISTORY:] if session else []
        self.history = [{"question": t.question, "answer": t.answer} for t in history]
        r = route(question, history, ctx.profile.name)
        requested = self._identity(identity_id or (session.identity_id if session else None), r)
        scope = ctx.scope(requested)
        answer = self._answer(r, scope)
        # A follow-up stays with the person of the turn before (or the question names one):
        # when that is not the person asked about by default, the answer says so itself.
        default = identity_id or (session.identity_id if session else None) or ctx.primary
        if (
            ctx.mixed
            and not answer.abstained
            and answer.identity_id not in (None, default)
            and not any(s.kind == SentenceKind.notice for s in answer.sentences)
        ):
            answer.sentences.insert(
                0, self._other_person(ctx.scope(answer.identity_id), ctx.scope(default).identity)
            )
        if r.removed:
            answer.warnings.append(
                "instructions in the question were not followed: "
                + "; ".join(repr(x[:80]) for x in r.removed)
            )
        if session is not None:
            answer.session_id = session.id
            session.turns.append(
                Turn(
                    question=question,
                    standalone=answer.standalone,
                    answer=answer.text,
                    identity_id=answer.identity_id,
                    papers=answer.papers,
                    abstained=answer.abstained,
                )
            )
        return answer

    # -- which person ---------------------------------------------------------------------------

    def _identity(self, explicit: str | None, r: Route) -> str | None:
        ctx = self.ctx
        if not ctx.mixed:
            if explicit not in (None, "I1"):
                raise NotFoundError(
                    f"no identity {explicit!r} in {ctx.profile.id}: the page lists one person"
                )
            return None
        known = [i.id for i in ctx.identities.identities] if ctx.identities else []
        if explicit is not None:
            if explicit not in known:
                raise NotFoundError(
                    f"no identity {explicit!r} in {ctx.profile.id} (identities: "
                    f"{', '.join(known)}); see 'profile-agent identities {ctx.profile.id}'"
                )
            return explicit
        if r.identity in known:
            return r.identity
        return ctx.primary

    # -- routes ---------------------------------------------------------------------------------

    def _answer(self, r: Route, scope: Scope) -> Answer:
        if r.kind == "declined":
            return self._abstain(r, scope, _DECLINED[r.declined or "opinions"], "declined")
        if r.kind == "overview":
            return self._overview(r, scope)
        if r.kind != "papers":
            sentences, reason = answer_facts(self.ctx, scope, r)
            if reason:
                return self._abstain(r, scope, f"No answer here: {reason}.", r.kind)
            return self._finish(r, scope, sentences, r.kind)
        return self._papers(r, scope)

    def _papers(self, r: Route, scope: Scope) -> Answer:
        ctx = self.ctx
        if not r.terms:
            return self._overview(r, scope)
        qvec = self.embedder.embed([r.standalone])[0]
        ranked = rank_papers(ctx, ctx.page.papers, r, qvec)
        inside = [c for c in ranked if c.pe.label in scope.labels]
        notice: list[AnswerSentence] = []
        inside_of = scope.identity
        if not (inside and passes(inside[0])) and ctx.mixed:
            other = next((c for c in ranked if passes(c)), None)
            if other is not None and other.pe.label not in ctx.identity_of:
                # The paper that answers is one nothing attributes to any person on the page.
                return self._abstain(
                    r,
                    scope,
                    f"The paper that states it, {other.pe.label}, is not attributed to any of "
                    f"the people on this page; see 'profile-agent identities {ctx.profile.id}' "
                    "(a correction can place it).",
                    "papers",
                )
            if other is not None:
                ident_id = ctx.identity_of[other.pe.label]
                scope = ctx.scope(ident_id)
                inside = [c for c in ranked if c.pe.label in scope.labels]
                notice.append(self._other_person(scope, requested=inside_of))
        if not (inside and passes(inside[0])):
            best = inside[0] if inside else None
            why = "no paper listed here states what the question asks"
            if best is not None:
                why += (
                    f" (the closest, {best.pe.label}, states {best.coverage:.0%} of its key words)"
                )
            return self._abstain(r, scope, f"{why[0].upper()}{why[1:]}.", "papers")
        if self.llm == "openai":
            drafts, meta = self._llm_drafts(r, scope, inside)
            if drafts:
                checked = scope.verifier(self.embedder).verify(drafts).sentences
                if any(c.status != SentenceStatus.dropped for c in checked):
                    return self._finish(r, scope, notice, "papers", checked=checked, meta=meta)
                meta["used"] = "offline"
                meta["fallback_reason"] = (
                    f"the verifier dropped all {len(checked)} sentence(s) the model wrote"
                )
            drafts = draft_from_papers(ctx, scope, r, inside)
            return self._finish(r, scope, notice, "papers", drafts=drafts, meta=meta)
        drafts = draft_from_papers(ctx, scope, r, inside)
        return self._finish(r, scope, notice, "papers", drafts=drafts)

    def _overview(self, r: Route, scope: Scope) -> Answer:
        from ..drafting.offline import OfflineDrafter

        analysis = scope.analysis(self.embedder)
        name = self.ctx.profile.name
        subject = f"The papers of this {name}" if scope.identity and name else None
        drafter = OfflineDrafter(analysis, subject=subject, max_sentences=3)
        drafts = drafter.draft(scope.evidence, analysis.themes)
        return self._finish(r, scope, [], "overview", drafts=drafts)

    def _other_person(self, scope: Scope, requested: Identity | None) -> AnswerSentence:
        ident = scope.identity
        assert ident is not None  # only on mixed pages
        name = self.ctx.profile.name or "person"
        was = f", not {requested.id} ({requested.label})" if requested else ""
        return AnswerSentence(
            text=f"That is a different {name}: {ident.id} ({ident.label}){was}. What follows "
            f"is from {ident.id}'s papers only.",
            kind=SentenceKind.notice,
        )

    def _llm_drafts(
        self, r: Route, scope: Scope, ranked: list[Candidate]
    ) -> tuple[list[DraftSentence], dict[str, object]]:
        from .llm import LLMAnswerer, build_chat_model

        model = self.chat or build_chat_model(self.settings)
        budget = Budget(self.settings.llm.token_budget)
        answerer = LLMAnswerer(model, budget, self.settings.llm.max_evidence, self.on_token)
        meta: dict[str, object] = {"model": model.name, "budget": budget}
        try:
            drafts = answerer.draft(r, scope, ranked, self.history)
            if not drafts:
                meta["fallback_reason"] = "the model wrote no sentence citing the evidence"
        except TransientError as exc:
            drafts, meta["fallback_reason"] = [], f"endpoint unavailable: {exc}"
        except ModelError as exc:
            drafts, meta["fallback_reason"] = [], f"model output unusable: {exc}"
        meta["used"] = "openai" if drafts else "offline"
        return drafts, meta

    # -- building the answer ----------------------------------------------------------------

    def _abstain(self, r: Route, scope: Scope, why: str, how: str) -> Answer:
        sentences = [
            AnswerSentence(text=DONT_SAY, kind=SentenceKind.notice),
            AnswerSentence(text=why, kind=SentenceKind.notice),
        ]
        return self._answer_model(r, scope, sentences, how, abstained=True, reason=why)

    def _finish(
        self,
        r: Route,
        scope: Scope,
        sentences: list[AnswerSentence],
        how: str,
        drafts: list[DraftSentence] | None = None,
        meta: dict[str, object] | None = None,
        checked: list[CheckedSentence] | None = None,
    ) -> Answer:
        if drafts:
            checked = scope.verifier(self.embedder).verify(drafts).sentences
        checked = list(checked or [])
        for c in checked:
            if c.status != SentenceStatus.dropped:
                sentences.append(AnswerSentence(text=c.text, citations=c.citations))
        for s in sentences:
            if s.kind == SentenceKind.page:
                checked.append(
                    CheckedSentence(
                        text=s.text,
                        citations=s.citations,
                        status=SentenceStatus.kept,
                        support=1.0,
                        lexical=1.0,
                        semantic=1.0,
                        reasons=["computed from the page's own data"],
                    )
                )
        claims = [s for s in sentences if s.kind != SentenceKind.notice]
        if not claims:
            why = "No sentence of the draft passed verification against the papers."
            answer = self._abstain(r, scope, why, how)
            answer.verification = _record(checked)
            _meta(answer, meta)
            return answer
        answer = self._answer_model(r, scope, sentences, how, abstained=False, reason=None)
        answer.verification = _record(checked)
        _meta(answer, meta)
        return answer

    def _answer_model(
        self,
        r: Route,
        scope: Scope,
        sentences: list[AnswerSentence],
        how: str,
        abstained: bool,
        reason: str | None,
    ) -> Answer:
        cited = list(dict.fromkeys(c for s in sentences for c in s.citations if c != "page"))
        by_label = self.ctx.page.by_label
        return Answer(
            question=r.question,
            standalone=r.standalone,
            profile_id=self.ctx.profile.id,
            name=self.ctx.profile.name,
            identity_id=scope.identity.id if scope.identity else None,
            identity_label=scope.identity.label if scope.identity else None,
            sentences=sentences,
            abstained=abstained,
            reason=reason,
            route=how,
            papers=sorted(cited, key=lambda x: int(x[1:])),
            references={lb: by_label[lb].short(160) for lb in cited if lb in by_label},
            llm="offline",
        )


def _record(checked: list[CheckedSentence]) -> Verification:
    kept = [c for c in checked if c.status != SentenceStatus.dropped]
    return Verification(
        method=METHOD + " Sentences citing [page] state the page's data and are computed from it.",
        threshold=THRESHOLD,
        support_score=round(sum(c.support for c in kept) / len(kept), 3) if kept else None,
        sentences=checked,
        kept=sum(c.status == SentenceStatus.kept for c in checked),
        repaired=sum(c.status == SentenceStatus.repaired for c in checked),
        dropped=sum(c.status == SentenceStatus.dropped for c in checked),
    )


def _meta(answer: Answer, meta: dict[str, object] | None) -> None:
    if not meta:
        return
    answer.model = str(meta.get("model")) if meta.get("model") else None
    answer.llm = "openai" if meta.get("used") == "openai" else "offline"
    reason = meta.get("fallback_reason")
    if reason:
        answer.fallback_reason = str(reason)
        answer.warnings.append(f"LLM not used for this answer: {reason}")
        log.warning("LLM not used for this answer: %s", reason)
    budget = meta.get("budget")
    if isinstance(budget, Budget):
        answer.usage = Usage(
            llm_calls=budget.calls,
            prompt_tokens=budget.prompt_tokens,
            completion_tokens=budget.completion_tokens,
        )
