"""The chat suite as CI runs it: offline, deterministic, gated by evals/chat_thresholds.yaml."""

from __future__ import annotations

import re
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
    """Right sentences, the next paper cited. Shifted in the drafts, the verifier repairs most
    citations (the suite then passes), so they are shifted in the answers it returns: what the
    evaluators score."""
    from agent.chat.models import SentenceKind

    real = Workspace.ask

    def shifted(self, ref, question, **kwargs):
        answer = real(self, ref, question, **kwargs)
        labels = [p.label for p in self.resolve(ref).papers]

        def nxt(m: re.Match[str]) -> str:
            return labels[(labels.index(m.group()) + 1) % len(labels)]

        for s in answer.sentences:
            if s.kind == SentenceKind.paper:
                s.text = re.sub(r"\bP\d+\b", nxt, s.text)
                s.citations = [re.sub(r"\bP\d+\b", nxt, c) for c in s.citations]
        answer.papers = [re.sub(r"\bP\d+\b", nxt, c) for c in answer.papers]
        return answer

    monkeypatch.setattr(Workspace, "ask", shifted)
    gated = gate_chat(run_chat_suite(_ws(seeded_store), load_chat_suite()[1:2]))
    assert not gated.passed
    assert any("chat.citation_precision" in f for f in gated.failures), gated.failures
