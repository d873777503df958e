"""The chat suite as CI runs it: offline, deterministic, gated by evals/chat_thresholds.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.chat import offline, routing
from agent.settings import Settings
from agent.workspace import Workspace
from evals.chat import ChatSuiteResult, gate_chat, load_chat_suite, run_chat_suite, to_markdown
from tests.conftest import SEEDS_DIR


def _ws(store: Path) -> Workspace:
    return Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None))


@pytest.fixture(scope="module")
def result(seeded_store: Path) -> ChatSuiteResult:
    return run_chat_suite(_ws(seeded_store), load_chat_suite())


def test_chat_suite_passes_the_gate(result: ChatSuiteResult):
    gated = gate_chat(result)
    print(to_markdown(gated))  # shown with `pytest -s`
    assert gated.passed, gated.failures
    cases = load_chat_suite()
    assert all(len(c.questions) >= 10 for c in cases)
    kinds = {q.kind for c in cases for q in c.questions}
    assert kinds >= {
        "content",
        "follow-up",
        "cross-identity",
        "page-metrics",
        "counting",
        "time",
        "out-of-scope",
        "injection",
    }


def test_gate_trips_when_abstention_breaks(seeded_store: Path, monkeypatch):
    # Without the out-of-scope rules and with no support bar, it answers what it should not.
    monkeypatch.setattr(routing, "_DECLINE", [])
    monkeypatch.setattr(offline, "MIN_COVERAGE", 0.0)
    monkeypatch.setattr(offline, "MIN_SUPPORT", 0.0)
    gated = gate_chat(run_chat_suite(_ws(seeded_store), load_chat_suite()[:2]))
    assert not gated.passed
    assert any("chat.abstention_accuracy" in f for f in gated.failures)


def test_gate_trips_when_citations_are_shifted(seeded_store: Path, monkeypatch):
    real = offline.draft_from_papers

    def shifted(ctx, scope, route, ranked):  # right sentences, the next paper cited
        from agent.drafting.base import DraftSentence

        labels = [pe.label for pe in ctx.page.papers]
        out = []
        for d in real(ctx, scope, route, ranked):
            [label] = d.all_citations()
            wrong = labels[(labels.index(label) + 1) % len(labels)]
            out.append(DraftSentence(text=d.plain(), citations=[wrong]))
        return out

    monkeypatch.setattr("agent.chat.answer.draft_from_papers", shifted)
    gated = gate_chat(run_chat_suite(_ws(seeded_store), load_chat_suite()[1:2]))
    assert not gated.passed
    assert gated.failures  # miscited sentences are dropped or caught by the evaluators
