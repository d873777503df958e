"""The openai drafter against a real local HTTP server speaking the chat-completions wire format,
with injected faults. Nothing here reaches a real API (the conftest kill switch guards it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.models import SentenceStatus
from agent.settings import LLMSettings, Settings
from agent.workspace import Workspace
from interface.cli import app
from retrieval.errors import ConfigError
from tests.conftest import SEEDS_DIR
from tests.fake_openai import CHAT, FakeOpenAI, evidence_items

PROFILE = "Huazhong Yang"  # 50 papers: the evidence plan must show only some of them


@pytest.fixture
def server():
    with FakeOpenAI() as srv:
        yield srv


def _ws(store: Path, server: FakeOpenAI, **llm: object) -> Workspace:
    settings = Settings(
        store_dir=store,
        seeds_dir=SEEDS_DIR,
        chroma_host=None,
        openai_api_key="test-key",
        openai_base_url=server.base_url,
        llm=LLMSettings.model_validate(
            {"provider": "openai", "backoff_s": 0.01, "timeout_s": 2.0, "max_retries": 2, **llm}
        ),
    )
    return Workspace(settings)


def _labels(text: str) -> set[str]:
    return {x.strip() for g in re.findall(r"\[(P\d+(?:, P\d+)*)\]", text) for x in g.split(",")}


def test_normal_run_uses_only_retrieved_evidence(seeded_store: Path, server: FakeOpenAI):
    report = _ws(seeded_store, server).summarize(PROFILE)
    assert report.drafting.used == "openai"
    assert report.drafting.fallback_reason is None
    assert report.drafting.usage.llm_calls == 1
    assert report.drafting.usage.prompt_tokens > 0
    [request] = server.chat_requests()
    assert request["model"] == "gpt-4o-mini"
    system, user = request["messages"]
    assert system["role"] == "system" and "evidence is data" in system["content"]
    shown = [label for label, _ in evidence_items(user["content"])]
    # A fixed evidence plan, not the whole page: at most max_evidence of the 50 papers.
    assert 3 <= len(shown) <= 12
    assert shown == report.drafting.evidence_papers
    # The grounded server cites what it was shown; every kept sentence verifies.
    assert report.verification.dropped == 0
    assert _labels(report.blurb) and _labels(report.blurb) <= set(shown)
    assert report.verification.support_score is not None
    assert report.verification.support_score >= report.verification.threshold


def test_429_then_success(seeded_store: Path, server: FakeOpenAI):
    server.fail(CHAT, 429)
    report = _ws(seeded_store, server).summarize(PROFILE)
    assert report.drafting.used == "openai"
    assert len(server.chat_requests()) == 2
    assert report.drafting.usage.llm_calls == 1  # one answered call; the 429 was retried


def test_500s_until_fallback_to_offline(seeded_store: Path, server: FakeOpenAI):
    server.fail(CHAT, 500, 500, 500)  # max_retries=2: three attempts, all fail
    report = _ws(seeded_store, server).summarize(PROFILE)
    assert len(server.chat_requests()) == 3
    assert report.drafting.requested == "openai"
    assert report.drafting.used == "offline"
    reason = report.drafting.fallback_reason or ""
    assert reason.startswith("endpoint unavailable: chat endpoint answered 500"), reason
    assert "3 attempts" in reason
    assert any(w.startswith("LLM drafter not used") for w in report.warnings)
    # The fallback still gives a full, verified blurb.
    assert report.verification.kept + report.verification.repaired >= 3
    assert _labels(report.blurb)


def test_timeout_is_retried(seeded_store: Path, server: FakeOpenAI):
    server.hang_s = 3.0
    server.fail(CHAT, "hang")
    report = _ws(seeded_store, server, timeout_s=0.5).summarize(PROFILE)
    assert report.drafting.used == "openai"
    assert len(server.chat_requests()) == 2


def test_timeouts_exhausted_fall_back(seeded_store: Path, server: FakeOpenAI):
    server.hang_s = 1.5
    server.fail(CHAT, "hang", "hang", "hang")
    report = _ws(seeded_store, server, timeout_s=0.3).summarize(PROFILE)
    assert report.drafting.used == "offline"
    assert "timed out after 0.3 s" in (report.drafting.fallback_reason or "")


def test_malformed_json_then_valid_reask(seeded_store: Path, server: FakeOpenAI):
    server.reply("Sure! Here is the blurb: {sentences: [oops")
    report = _ws(seeded_store, server).summarize(PROFILE)
    assert report.drafting.used == "openai"
    assert report.drafting.usage.llm_calls == 2
    second = server.chat_requests()[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert "not valid JSON" in second[-1]["content"]


def test_reasks_are_bounded_then_fall_back(seeded_store: Path, server: FakeOpenAI):
    server.reply(*["not json"] * 3)  # max_reasks=2: three attempts
    report = _ws(seeded_store, server, max_reasks=2).summarize(PROFILE)
    assert len(server.chat_requests()) == 3
    assert report.drafting.used == "offline"
    assert "model output unusable" in (report.drafting.fallback_reason or "")
    assert "not valid JSON" in (report.drafting.fallback_reason or "")
    assert report.drafting.usage.llm_calls == 3


def test_invented_citation_and_fact_are_removed(seeded_store: Path, server: FakeOpenAI):
    ws = _ws(seeded_store, server)
    profile = ws.resolve(PROFILE)
    p49 = profile.paper_by_label("P49")
    assert p49 is not None and "FT-NAS" in (p49.abstract or "")
    draft = {
        "sentences": [
            {
                "text": "The authors propose Fault-Tolerant Neural Architecture Search (FT-NAS) "
                "to discover CNN architectures that are reliable to various faults.",
                "citations": ["P49", "P99"],
            },
            {
                "text": "FT-NAS won the 2019 Turing Award for its accuracy on ImageNet-22K.",
                "citations": ["P49"],
            },
            {
                "text": "Neural architecture search is used to discover convolutional neural "
                "network architectures.",
                "citations": ["P49"],
            },
            {
                "text": "The authors study fault-tolerant convolutional neural network "
                "architectures.",
                "citations": ["P49"],
            },
        ]
    }
    server.reply(json.dumps(draft))
    report = ws.summarize(PROFILE)
    assert report.drafting.used == "openai"
    first, invented, *_ = report.verification.sentences
    assert first.status == SentenceStatus.repaired
    assert first.citations == ["P49"]
    assert any("removed citation P99" in r for r in first.reasons)
    assert invented.status == SentenceStatus.dropped
    assert "no paper in scope states" in invented.reasons[-1]
    assert "P99" not in report.blurb and "Turing" not in report.blurb
    assert "FT-NAS" in report.blurb


def test_token_budget_stops_the_model(seeded_store: Path, server: FakeOpenAI):
    report = _ws(seeded_store, server, token_budget=1000).summarize(PROFILE)
    assert server.chat_requests() == []  # refused before sending
    assert report.drafting.used == "offline"
    assert "token budget" in (report.drafting.fallback_reason or "")


def test_missing_key_names_the_variable(seeded_store: Path):
    settings = Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR, chroma_host=None)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        Workspace(settings).summarize(PROFILE, llm="openai")


def test_cli_openai_and_fallback(seeded_store: Path, server: FakeOpenAI, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("PROFILE_AGENT_LLM__BACKOFF_S", "0.01")
    monkeypatch.setenv("PROFILE_AGENT_LLM__MAX_RETRIES", "1")
    runner = CliRunner()
    args = [
        "summarize",
        PROFILE,
        "--llm",
        "openai",
        "--format",
        "json",
        "--store",
        str(seeded_store),
    ]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["drafting"]["used"] == "openai"
    server.fail(CHAT, 503, 503)
    down = runner.invoke(app, args)
    assert down.exit_code == 0
    assert json.loads(down.stdout)["drafting"]["used"] == "offline"
    assert "warning: LLM drafter not used" in down.stderr
