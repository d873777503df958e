"""Structured output: ask, validate against a pydantic model, feed the error back and re-ask a
bounded number of times, within a token budget. Failure raises ``ModelError`` carrying the
attempts, the usage and the last raw output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from retrieval.errors import ModelError

from ..templating import render_prompt
from .base import ChatModel, Message, estimate_tokens

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class BudgetExceeded(ModelError):
    """The next request would exceed the per-report token budget."""


@dataclass
class Budget:
    limit: int
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def used(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def check(self, messages: list[Message], max_tokens: int) -> None:
        need = sum(estimate_tokens(m.content) for m in messages) + max_tokens
        if self.used + need > self.limit:
            raise BudgetExceeded(
                f"token budget of {self.limit} would be exceeded ({self.used} used, the next "
                f"request needs up to {need}); raise PROFILE_AGENT_LLM__TOKEN_BUDGET",
                attempts=self.calls,
                usage=self.usage(),
            )

    def usage(self) -> dict[str, int]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


def _json_text(raw: str) -> str:
    m = _FENCE.match(raw)
    return m.group(1) if m else raw.strip()


def ask_structured(
    model: ChatModel,
    messages: list[Message],
    schema: type[T],
    *,
    budget: Budget,
    max_reasks: int = 2,
    max_tokens: int = 1200,
) -> T:
    conversation = list(messages)
    last = ""
    for attempt in range(1, max_reasks + 2):
        budget.check(conversation, max_tokens)
        reply = model.complete(conversation, max_tokens)
        budget.calls += 1
        budget.prompt_tokens += reply.prompt_tokens
        budget.completion_tokens += reply.completion_tokens
        last = reply.text
        try:
            return schema.model_validate_json(_json_text(reply.text))
        except ValidationError as exc:
            error = _describe(exc)
        budget.log.append(f"attempt {attempt}: invalid output: {error}")
        conversation += [
            Message("assistant", reply.text),
            Message("user", render_prompt("reask", error=error)),
        ]
    raise ModelError(
        f"the model gave no valid {schema.__name__} after {max_reasks + 1} attempts: "
        f"{budget.log[-1]}",
        attempts=max_reasks + 1,
        last_output=last,
        usage=budget.usage(),
    )


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return f"not valid JSON ({first['msg']})"
    where = ".".join(str(p) for p in first["loc"]) or "the object"
    return f"{where}: {first['msg']} (got {json.dumps(first.get('input'), default=str)[:120]})"
