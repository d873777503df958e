"""Structured output with the scripted model: validate, re-ask with the error, give up bounded."""

from __future__ import annotations

import json

import pytest

from agent.drafting import Draft
from agent.llm import Budget, BudgetExceeded, Message, ScriptedChat, ask_structured
from retrieval.errors import ModelError

GOOD = json.dumps(
    {
        "sentences": [
            {"text": "The authors prove a theorem on entropy.", "citations": ["P1"]},
            {"text": "They also study soft gluon resummation.", "citations": ["p3"]},
            {"text": "Later work turns to games [P4].", "citations": []},
        ]
    }
)
ASK = [Message("system", "s"), Message("user", "u")]


def test_valid_output_parses_and_normalises_labels():
    chat = ScriptedChat(f"```json\n{GOOD}\n```")
    draft = ask_structured(chat, ASK, Draft, budget=Budget(10_000))
    assert [s.all_citations() for s in draft.sentences] == [["P1"], ["P3"], ["P4"]]
    assert len(chat.requests) == 1


def test_invalid_then_valid_feeds_the_error_back():
    chat = ScriptedChat('{"sentences": []}')
    chat.enqueue(GOOD)
    budget = Budget(10_000)
    ask_structured(chat, ASK, Draft, budget=budget, max_reasks=1)
    retry = chat.requests[1]
    assert [m.role for m in retry] == ["system", "user", "assistant", "user"]
    assert "sentences" in retry[-1].content and "at least 3" in retry[-1].content
    assert budget.calls == 2


def test_gives_up_after_bounded_reasks_with_details():
    chat = ScriptedChat("no", "still no", "never")
    with pytest.raises(ModelError) as info:
        ask_structured(chat, ASK, Draft, budget=Budget(10_000), max_reasks=2)
    err = info.value
    assert err.attempts == 3
    assert err.last_output == "never"
    assert err.usage["calls"] == 3 and err.usage["prompt_tokens"] > 0
    assert "not valid JSON" in str(err)


def test_budget_is_checked_before_each_request():
    chat = ScriptedChat("x" * 4000, GOOD)
    with pytest.raises(BudgetExceeded, match="token budget of 2000"):
        ask_structured(chat, ASK, Draft, budget=Budget(2000), max_reasks=2, max_tokens=500)
    assert len(chat.requests) == 1  # the re-ask would not fit, so it was never sent


def test_bad_labels_are_validation_errors():
    bad = json.dumps(
        {"sentences": [{"text": "A sentence long enough.", "citations": ["Paper 1"]}] * 3}
    )
    with pytest.raises(ModelError, match="citations"):
        ask_structured(ScriptedChat(bad), ASK, Draft, budget=Budget(10_000), max_reasks=0)
