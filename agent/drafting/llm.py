"""The LLM drafter: a fixed evidence-gathering plan (retrieval per theme), a prompt that holds
only that evidence, and structured output validated with bounded re-asks."""

from __future__ import annotations

from collections.abc import Callable

from ..analysis.evidence import Evidence, PaperEvidence
from ..analysis.topics import Theme
from ..language import split_sentences
from ..llm import Budget, ChatModel, Message, ask_structured
from ..templating import render_prompt
from .base import Draft, DraftSentence

SCHEMA_HINT = (
    '{"sentences": [{"text": "one sentence, no citation markers", "citations": ["P3", "P7"]}]}\n'
    "3 to 6 sentences; every sentence has at least one citation; citations are evidence labels."
)
_EVIDENCE_WORDS = 160

Retriever = Callable[[str, int], list[str]]  # query, k -> paper labels, best first


class LLMDrafter:
    name = "openai"

    def __init__(
        self,
        model: ChatModel,
        retrieve: Retriever,
        budget: Budget,
        *,
        max_reasks: int = 2,
        max_evidence: int = 12,
        max_tokens: int = 900,
    ) -> None:
        self.model = model
        self.retrieve = retrieve
        self.budget = budget
        self.max_reasks = max_reasks
        self.max_evidence = max_evidence
        self.max_tokens = max_tokens
        self.shown: list[str] = []

    def plan(self, evidence: Evidence, themes: list[Theme]) -> list[PaperEvidence]:
        """Which papers the model sees: per theme, the papers retrieval ranks first for the
        theme's phrase and its most central paper; then the earliest and latest dated papers."""
        scope = evidence.by_label
        picked: list[str] = []
        for theme in themes[:5]:
            picked += [lb for lb in self.retrieve(theme.name, 3) if lb in scope][:2]
            picked.append(theme.papers[0].label)
        dated = sorted(
            (pe for pe in evidence.papers if pe.paper.year), key=lambda pe: pe.paper.year or 0
        )
        if dated:
            picked += [dated[0].label, dated[-1].label]
        if not picked:
            picked = [pe.label for pe in evidence.papers]
        ordered = list(dict.fromkeys(picked))[: self.max_evidence]
        return [scope[lb] for lb in ordered]

    def draft(self, evidence: Evidence, themes: list[Theme]) -> list[DraftSentence]:
        papers = self.plan(evidence, themes)
        self.shown = [pe.label for pe in papers]
        name = evidence.profile.name
        messages = [
            Message("system", render_prompt("draft_system")),
            Message(
                "user",
                render_prompt(
                    "draft_user",
                    subject=f"the papers listed for {name}" if name else "the papers on this page",
                    themes=[
                        {"name": t.name, "cites": t.named_by[:3]} for t in themes if t.named_by
                    ],
                    evidence=[
                        {
                            "label": pe.label,
                            "year": pe.paper.year,
                            "title": pe.paper.title,
                            "text": _trim(pe.abstract),
                        }
                        for pe in papers
                    ],
                    min_sentences=3,
                    max_sentences=6,
                    schema=SCHEMA_HINT,
                ),
            ),
        ]
        draft = ask_structured(
            self.model,
            messages,
            Draft,
            budget=self.budget,
            max_reasks=self.max_reasks,
            max_tokens=self.max_tokens,
        )
        return draft.sentences


def _trim(text: str) -> str:
    """Whole sentences up to about ``_EVIDENCE_WORDS`` words."""
    out: list[str] = []
    n = 0
    for sentence in split_sentences(text):
        words = len(sentence.split())
        if out and n + words > _EVIDENCE_WORDS:
            break
        out.append(sentence)
        n += words
    return " ".join(out)
