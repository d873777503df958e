"""The LLM answerer: a fixed plan (our hybrid retrieval picks the evidence, the model writes
1-3 cited sentences), follow-ups condensed into a standalone question first, tokens streamed
as they arrive. Its sentences go through the same verifier as the offline ones."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..drafting.base import DraftSentence
from ..language import split_sentences
from ..llm import Budget, ChatModel, Message
from ..reporting.build import build_chat_model
from ..templating import render_prompt
from .context import Scope
from .models import DONT_SAY
from .offline import Candidate
from .routing import Route

__all__ = ["LLMAnswerer", "build_chat_model"]
_CITED = re.compile(r"\[\s*P\d+(?:\s*[,;]\s*P\d+)*\s*\]")
MAX_ANSWER_TOKENS = 400


class LLMAnswerer:
    def __init__(
        self,
        model: ChatModel,
        budget: Budget,
        max_evidence: int = 6,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.budget = budget
        self.max_evidence = max(1, min(max_evidence, 8))
        self.on_token = on_token

    def _call(self, messages: list[Message], max_tokens: int, stream: bool) -> str:
        self.budget.check(messages, max_tokens)
        streamer = getattr(self.model, "stream", None)
        if stream and self.on_token is not None and streamer is not None:
            reply = streamer(messages, max_tokens, self.on_token)
        else:
            reply = self.model.complete(messages, max_tokens)
        self.budget.calls += 1
        self.budget.prompt_tokens += reply.prompt_tokens
        self.budget.completion_tokens += reply.completion_tokens
        return reply.text

    def condense(self, r: Route, history: list[dict[str, str]]) -> str:
        if not r.follow_up or not history:
            return r.standalone
        prompt = render_prompt("chat_condense", history=history, question=r.question)
        text = self._call([Message("user", prompt)], 120, stream=False).strip()
        first = text.splitlines()[0].strip() if text else ""
        return first if 5 <= len(first) <= 400 else r.standalone

    def draft(
        self,
        r: Route,
        scope: Scope,
        ranked: list[Candidate],
        history: list[dict[str, str]] | None = None,
    ) -> list[DraftSentence]:
        question = self.condense(r, history or [])
        shown = [c.pe for c in ranked[: self.max_evidence]]
        name = scope.evidence.profile.name
        subject = f"by one person named {name}" if name else "from one page that names no owner"
        messages = [
            Message("system", render_prompt("chat_system")),
            Message(
                "user",
                render_prompt(
                    "chat_user",
                    evidence=[
                        {
                            "label": pe.label,
                            "year": pe.paper.year,
                            "title": pe.paper.title,
                            "text": pe.abstract or pe.text,
                        }
                        for pe in shown
                    ],
                    question=question,
                    subject=subject,
                ),
            ),
        ]
        text = self._call(messages, MAX_ANSWER_TOKENS, stream=True)
        if DONT_SAY.lower().rstrip(".") in text.lower():
            return []
        allowed = {pe.label for pe in shown}
        out = []
        for sentence in split_sentences(text):
            if len(sentence) < 10 or not _CITED.search(sentence):
                continue  # an uncited sentence is not an answer
            try:
                draft = DraftSentence(text=sentence[:700])
            except ValueError:
                continue
            if set(draft.all_citations()) & allowed:
                out.append(draft)
        return out[:3]
