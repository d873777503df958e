"""``ask`` and ``chat`` with hostile or clumsy input: escape sequences in a model's answer,
empty and huge questions, end of input and Ctrl-C in the REPL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.workspace import Workspace
from interface.cli import app
from tests.fake_openai import FakeOpenAI

PERSON = "Zhenyu Guo"
QUESTION = "What does AesopAgent do?"
HOSTILE = (
    "The authors propose \x1b]0;owned\x07AesopAgent\x1b[2J\x1b[31m, an agent-driven system "
    "for story-to-video production [P3].\x9b2J"
)


@pytest.mark.server
def test_escape_sequences_in_a_model_answer_never_reach_the_terminal(
    seeded_store: Path, monkeypatch: pytest.MonkeyPatch
):
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        server.reply(HOSTILE, HOSTILE)
        store = ["--store", str(seeded_store), "--llm", "openai"]
        asked = CliRunner().invoke(app, ["ask", PERSON, QUESTION, *store])
        chat = CliRunner().invoke(app, ["chat", PERSON, *store], input=QUESTION + "\n")
    for res in (asked, chat):
        assert res.exit_code == 0, res.output
        assert "AesopAgent" in res.stderr  # the streamed draft, without its escapes
        for text in (res.stdout, res.stderr):
            assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "[P3]" in asked.stdout


def test_empty_and_huge_questions(seeded_store: Path):
    store = ["--store", str(seeded_store)]
    for question in ("", "   ", "graph " * 20_000):
        res = CliRunner().invoke(app, ["ask", PERSON, question, *store])
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith("error:") and len(res.stderr.splitlines()) == 1
        assert "Traceback" not in res.output


def test_repl_ends_cleanly_and_survives_ctrl_c(seeded_store: Path, monkeypatch: pytest.MonkeyPatch):
    store = ["--store", str(seeded_store)]
    eof = CliRunner().invoke(app, ["chat", PERSON, *store], input="")
    assert eof.exit_code == 0 and eof.stdout.rstrip().endswith("bye")
    real = Workspace.ask
    calls: list[tuple[Any, ...]] = []

    def interrupted_once(self: Workspace, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "ask", interrupted_once)
    res = CliRunner().invoke(
        app, ["chat", PERSON, *store], input=f"{QUESTION}\n{'x' * 100_000}\n{QUESTION}\n"
    )
    assert res.exit_code == 0, res.output
    assert "(answer interrupted)" in res.stderr and "keep it under 2000" in res.stderr
    assert "[P3" in res.stdout and res.stdout.rstrip().endswith("bye") and len(calls) == 3
