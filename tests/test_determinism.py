"""Same input, same report, on every CPU: vectors that differ in their last digits (another
machine's BLAS) must not change a single word of the seed reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from agent.analysis.topics import centrality
from agent.reporting import render
from agent.settings import Settings
from agent.workspace import Workspace
from retrieval.embeddings import Embedder
from retrieval.similarity import cosines, order_desc
from tests.conftest import SEED, SEEDS_DIR


class NoisyEmbedder:
    """``inner`` with every vector moved by ~``eps`` per component, then re-normalised: what
    another CPU's float kernels do to the same text."""

    def __init__(self, inner: Embedder, eps: float, seed: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.eps = eps
        self.rng = np.random.default_rng(seed)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self.inner.token_offsets(text)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = np.asarray(self.inner.embed(texts, batch_size), dtype=np.float64)
        vectors += self.rng.choice([-self.eps, self.eps], size=vectors.shape)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)


def _reports(store: Path, embedder: Embedder | None) -> dict[str, str]:
    settings = Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None)
    ws = Workspace(settings, embedder=embedder)
    if embedder is not None:
        ws.ingest_many([p for path in SEED.values() for p in ws.parse(path)])
    return {
        row.id: render(ws.summarize(row.id), "md")
        for row in sorted(ws.profiles(), key=lambda r: r.id)
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_reports_do_not_move_with_float_noise(
    seeded_store: Path, tmp_path: Path, seed: int
) -> None:
    clean = _reports(seeded_store, None)
    base = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR, chroma_host=None))
    noisy = _reports(tmp_path / "store", NoisyEmbedder(base.embedder, 1e-6, seed))
    assert sorted(noisy) == sorted(clean)
    for profile_id, text in clean.items():
        assert noisy[profile_id] == text, f"report of {profile_id} changed under 1e-6 noise"


def test_noise_really_moves_the_vectors(seeded_store: Path) -> None:
    """The test above would prove nothing if the noise were lost on the way."""
    base = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR, chroma_host=None))
    texts = ["graph neural networks for molecules", "ergodic theorems"]
    clean = base.embedder.embed(texts)
    moved = NoisyEmbedder(base.embedder, 1e-6, 1).embed(texts)
    delta = np.abs(moved.astype(np.float64) - clean.astype(np.float64)).max()
    assert 1e-7 < delta < 1e-5


def test_reports_do_not_depend_on_the_hash_seed(seeded_store: Path) -> None:
    """Python orders sets by a hash seed that changes from run to run: two runs of the CLI with
    other seeds must print the same report (seed 000 ranks tied co-authors in identity labels;
    001 names co-authors in its reason)."""
    import os
    import subprocess
    import sys

    def run(hash_seed: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROFILE_AGENT_")}
        env.update(
            PYTHONHASHSEED=hash_seed,
            PROFILE_AGENT_REPORT_CACHE="0",
            PROFILE_AGENT_CACHE_DIR=os.environ.get("PROFILE_AGENT_CACHE_DIR", ""),
            COLUMNS="200",
        )
        out = []
        for seed in ("000", "001"):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "interface.cli",
                    "summarize",
                    seed,
                    "--store",
                    str(seeded_store),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                env=env,
            )
            assert proc.returncode == 0, proc.stderr
            out.append(proc.stdout)
        return "\n".join(out)

    first = run("1")
    assert "Jiechao Xiong" in first
    assert run("2") == first


def test_the_papers_of_a_pair_are_ordered_by_position_not_by_last_bits() -> None:
    """Both papers of a two-paper theme are equally close to its centre; which one is listed
    first must not depend on how the last bits of their cosines happen to round."""
    rng = np.random.default_rng(7)
    for _ in range(3000):
        pair = rng.standard_normal((2, 384)).astype(np.float32)
        pair /= np.linalg.norm(pair, axis=1, keepdims=True)
        assert order_desc(centrality(pair)) == [0, 1]
        # More rows: the same order as the cosines to the centre, where those are not tied.
        group = rng.standard_normal((5, 384)).astype(np.float32)
        group /= np.linalg.norm(group, axis=1, keepdims=True)
        centre = group.mean(axis=0) / np.linalg.norm(group.mean(axis=0))
        to_centre = cosines(group, centre)
        if len(set(np.round(to_centre, 4))) == 5:
            assert order_desc(centrality(group)) == order_desc(to_centre)
