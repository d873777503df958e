"""The OpenAI embedding provider against a real local server speaking the OpenAI wire format."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from interface.cli import app
from retrieval.embed_openai import OpenAIEmbedder
from retrieval.errors import ConfigError, TransientError
from retrieval.openai_api import RetryPolicy

from .conftest import SEED
from .fake_openai import FakeOpenAI

pytestmark = pytest.mark.server


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIEmbedder("text-embedding-3-small", api_key=None)


def test_retries_429_and_500_then_succeeds() -> None:
    with FakeOpenAI() as server:
        server.fail("/v1/embeddings", 429, 500)
        emb = OpenAIEmbedder("m", api_key="k", base_url=server.base_url)
        vecs = emb.embed(["ergodic theory", "entropy of dynamical systems"])
        assert vecs.shape == (2, 64)
        assert len(server.requests) == 3  # two faults, then the answer


def test_gives_up_after_bounded_retries() -> None:
    with FakeOpenAI() as server:
        server.fail("/v1/embeddings", *([503] * 10))
        policy = RetryPolicy(max_retries=4, backoff_s=0.01)
        emb = OpenAIEmbedder("m", api_key="k", base_url=server.base_url, policy=policy)
        with pytest.raises(TransientError):
            emb.embed(["x"])
        assert len(server.requests) == 5


def test_ingest_and_search_with_openai_embeddings(tmp_path, monkeypatch) -> None:
    with FakeOpenAI() as server:
        monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__PROVIDER", "openai")
        monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__MODEL", "text-embedding-3-small")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        store = str(tmp_path / "s")
        runner = CliRunner()
        res = runner.invoke(app, ["ingest", str(SEED["003"]), "--store", store, "--json"])
        assert res.exit_code == 0, res.output
        assert '"chunks": 15' in res.stdout
        assert all(body["model"] == "text-embedding-3-small" for _, body in server.requests)
        hits = runner.invoke(
            app,
            [
                "search",
                "003",
                "graph partition local search",
                "--store",
                store,
                "--json",
                "-k",
                "1",
            ],
        )
        assert hits.exit_code == 0, hits.output
        assert "Enhancing Balanced Graph Edge Partition" in hits.stdout
        # The local-model index is separate: a changed embedder never mixes vectors.
        monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__PROVIDER", "local")
        monkeypatch.setenv("PROFILE_AGENT_EMBEDDING__MODEL", "all-MiniLM-L6-v2")
        listed = runner.invoke(app, ["profiles", "--store", store, "--json"])
        assert listed.stdout.strip() == "[]"
