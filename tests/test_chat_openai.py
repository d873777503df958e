"""The chat answerer's openai path and the one OpenAI adapter, against a real local server
speaking the OpenAI wire format (streamed replies, injected faults)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.settings import LLMSettings, Settings
from agent.workspace import Workspace
from interface.cli import app
from retrieval.embed_openai import OpenAIEmbedder
from retrieval.errors import ConfigError, TransientError
from retrieval.openai_api import RetryPolicy
from tests.conftest import SEED, SEEDS_DIR
from tests.fake_openai import CHAT, FakeOpenAI

pytestmark = pytest.mark.server
ANSWER = (
    "The authors propose AesopAgent, an agent-driven evolutionary system for story-to-video "
    "production [P3]."
)
QUESTION = "What does AesopAgent do?"


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


def test_streamed_answer(seeded_store: Path, server: FakeOpenAI):
    server.reply(ANSWER)
    tokens: list[str] = []
    answer = _ws(seeded_store, server).ask("Zhenyu Guo", QUESTION, on_token=tokens.append)
    assert answer.llm == "openai" and answer.model == "openai:gpt-4o-mini"
    assert len(tokens) > 5 and "".join(tokens) == ANSWER
    assert answer.papers == ["P3"] and answer.usage.prompt_tokens > 0
    [request] = server.chat_requests()
    assert request["stream"] is True


def test_500_then_streamed_answer(seeded_store: Path, server: FakeOpenAI):
    server.fail(CHAT, 500)
    server.reply(ANSWER)
    answer = _ws(seeded_store, server).ask("Zhenyu Guo", QUESTION, on_token=lambda t: None)
    assert answer.llm == "openai" and len(server.chat_requests()) == 2


def test_faults_exhausted_fall_back(seeded_store: Path, server: FakeOpenAI):
    server.fail(CHAT, 429, 503, 500)
    answer = _ws(seeded_store, server).ask("Zhenyu Guo", QUESTION)
    assert answer.llm == "offline" and "3 attempts" in (answer.fallback_reason or "")
    assert answer.papers == ["P3"]


def test_stream_broken_halfway_falls_back(seeded_store: Path, server: FakeOpenAI):
    server.fail(CHAT, "drop")
    server.reply(ANSWER)
    answer = _ws(seeded_store, server).ask("Zhenyu Guo", QUESTION, on_token=lambda t: None)
    assert answer.llm == "offline" and answer.fallback_reason
    assert len(server.chat_requests()) == 1  # not retried after tokens were shown


def test_timeout_falls_back(seeded_store: Path, server: FakeOpenAI):
    server.hang_s = 3.0
    server.fail(CHAT, "hang", "hang", "hang")
    answer = _ws(seeded_store, server, timeout_s=0.5).ask("Zhenyu Guo", QUESTION)
    assert answer.llm == "offline" and "timed out" in (answer.fallback_reason or "")


def test_token_budget(seeded_store: Path, server: FakeOpenAI):
    answer = _ws(seeded_store, server, token_budget=1000).ask("Zhenyu Guo", QUESTION)
    assert server.chat_requests() == [] and "token budget" in (answer.fallback_reason or "")


def test_cli_ask_openai(seeded_store: Path, server: FakeOpenAI, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a local server needs no key
    server.reply(ANSWER)
    res = CliRunner().invoke(
        app, ["ask", "Zhenyu Guo", QUESTION, "--llm", "openai", "--store", str(seeded_store)]
    )
    assert res.exit_code == 0, res.output
    assert "AesopAgent" in res.stderr  # the streamed draft
    assert "[P3]" in res.stdout and "Sources:" in res.stdout


# -- the one adapter ---------------------------------------------------------------------------


def test_unknown_embedding_model_is_a_config_error(server: FakeOpenAI):
    server.fail("/v1/embeddings", 404)
    emb = OpenAIEmbedder("text-embedding-nope", api_key=None, base_url=server.base_url)
    with pytest.raises(ConfigError, match="PROFILE_AGENT_EMBEDDING__MODEL"):
        emb.embed(["x"])
    assert len(server.requests) == 1  # not retried


def test_embeddings_and_chat_map_faults_alike(server: FakeOpenAI):
    from agent.llm import Message
    from agent.llm.openai_chat import OpenAIChat

    policy = RetryPolicy(timeout_s=2, max_retries=1, backoff_s=0.01)
    server.fail("/v1/embeddings", 503, 503)
    server.fail(CHAT, 503, 503)
    emb = OpenAIEmbedder("m", api_key=None, base_url=server.base_url, policy=policy)
    chat = OpenAIChat("m", api_key=None, base_url=server.base_url, max_retries=1, backoff_s=0.01)
    with pytest.raises(TransientError) as e1:
        emb.embed(["x"])
    with pytest.raises(TransientError) as e2:
        chat.complete([Message("user", "hi")], 10)
    assert "answered 503" in str(e1.value) and "answered 503" in str(e2.value)
    assert "2 attempts" in str(e1.value) and "2 attempts" in str(e2.value)


def test_cli_ingest_with_unknown_embedding_model(server: FakeOpenAI, tmp_path, monkeypatch):
    monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__PROVIDER", "openai")
    monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__MODEL", "text-embedding-nope")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.fail("/v1/embeddings", 404)
    res = CliRunner().invoke(app, ["ingest", str(SEED["003"]), "--store", str(tmp_path / "s")])
    assert res.exit_code == 2, res.output
    assert "does not know model 'text-embedding-nope'" in res.stderr
    assert "internal error" not in res.output
