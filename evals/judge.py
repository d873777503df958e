"""Optional LLM judge of blurb quality: the mean of repeated 1-5 ratings. Used only when a
model is configured (``profile-agent eval --judge N``); CI never needs it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.llm import Budget, ChatModel, Message, ask_structured
from agent.templating import render_prompt


class Judgement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    reason: str = Field(max_length=500)


def judge_blurb(
    model: ChatModel, blurb: str, themes: list[str], repeats: int = 3, token_budget: int = 20000
) -> dict[str, float]:
    """Mean and spread of ``repeats`` independent ratings (models are noisy judges)."""
    prompt = [Message("user", render_prompt("judge_blurb", blurb=blurb, themes=themes))]
    budget = Budget(token_budget)
    scores = [
        ask_structured(model, prompt, Judgement, budget=budget, max_reasks=1, max_tokens=200).score
        for _ in range(repeats)
    ]
    mean = sum(scores) / len(scores)
    return {
        "judge.score": round(mean, 3),
        "judge.spread": float(max(scores) - min(scores)),
    }
