"""The offline encoder against sentence-transformers itself, and chunking."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np

from retrieval.chunking import chunk_paper
from retrieval.config import ChunkConfig, EmbeddingConfig
from retrieval.embed_cache import CachedEmbedder
from retrieval.embed_local import MiniLMEncoder
from retrieval.embeddings import build_embedder
from retrieval.models import Paper

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_encoder_matches_sentence_transformers() -> None:
    # Vectors made once by sentence-transformers + torch (CPU) from the same packaged weights;
    # see the "source" field of the file.
    ref = json.loads(REFERENCE.read_text())
    enc = MiniLMEncoder()  # uncached: the vectors must come from the encoder itself
    ours = enc.embed(ref["texts"])
    theirs = np.asarray(ref["vectors"], dtype=np.float32)
    assert ours.shape == theirs.shape == (5, 384)
    assert np.abs(ours - theirs).max() < 1e-4
    assert ((ours * theirs).sum(axis=1) >= 0.9999).all()  # cosine per text
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_batching_does_not_change_vectors() -> None:
    enc = MiniLMEncoder()  # uncached, so the second call really encodes again
    texts = ["short", "a somewhat longer sentence about ergodic theory", "x " * 100]
    one = np.vstack([enc.embed([t]) for t in texts])
    assert np.abs(one - enc.embed(texts, batch_size=2)).max() < 1e-5
    # Runs are cut by rows and by tokens (rows x the longest): 60 texts from 1 to 300 words
    # make runs of many short rows and of few long ones, each padded to its own width.
    words = [
        "ergodic",
        "flows",
        "on",
        "compact",
        "manifolds",
        "preserve",
        "the",
        "measure",
        "of",
        "every",
        "set",
    ]
    varied = [" ".join(words[j % len(words)] for j in range(n)) for n in range(1, 301, 5)]
    alone = np.vstack([enc.embed([t]) for t in varied])
    assert np.abs(alone - enc.embed(varied[::-1])[::-1]).max() < 1e-5


class _CountingEncoder:
    name = "counting"
    dim = 2

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts, batch_size: int = 32) -> np.ndarray:
        self.seen.extend(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return []


def test_cache_encodes_each_text_once_and_keeps_order() -> None:
    inner = _CountingEncoder()
    enc = CachedEmbedder(inner, max_entries=3)
    first = enc.embed(["aa", "b", "aa"])
    assert inner.seen == ["aa", "b"]  # a duplicate within one call is encoded once
    assert first[:, 0].tolist() == [2, 1, 2]
    second = enc.embed(["ccc", "b", "aa"])
    assert inner.seen == ["aa", "b", "ccc"]
    assert second[:, 0].tolist() == [3, 1, 2]
    second[:] = 0  # callers own what they get back
    enc.embed(["dddd"])  # over the bound: the least recently used text ("b") goes
    enc.embed(["ccc", "aa", "b"])
    assert inner.seen == ["aa", "b", "ccc", "dddd", "b"]
    assert enc.embed(["aa"])[0, 0] == 2


def test_long_abstract_is_split_with_overlap_and_title() -> None:
    enc = build_embedder(EmbeddingConfig())
    words = [f"word{i}" for i in range(400)]
    paper = Paper(id="p", position=1, title="A Title", abstract=" ".join(words), source_line=1)
    cfg = ChunkConfig(max_tokens=128, overlap_tokens=32)
    chunks = chunk_paper(paper, "prof", enc, cfg)
    assert len(chunks) > 3
    assert all(c.text.startswith("A Title\n") for c in chunks)
    assert all(len(enc.token_offsets(c.text)) <= 128 - 2 for c in chunks)
    # Every word of the abstract is in some chunk, and neighbours share words.
    covered = set(" ".join(c.text for c in chunks).split())
    assert set(words) <= covered
    for a, b in pairwise(chunks):
        assert set(a.text.split()[-8:]) & set(b.text.split())
    assert len({c.id for c in chunks}) == len(chunks)


def test_short_paper_is_one_chunk() -> None:
    enc = build_embedder(EmbeddingConfig())
    paper = Paper(
        id="p",
        position=3,
        title="T",
        abstract="Short abstract.",
        year=2020,
        categories=["cs.LG"],
        source_line=1,
    )
    [chunk] = chunk_paper(paper, "prof", enc, ChunkConfig())
    assert chunk.text == "T\nShort abstract."
    assert chunk.metadata() == {
        "profile_id": "prof",
        "paper_id": "p",
        "position": 3,
        "chunk_index": 0,
        "categories": "cs.LG",
        "identity_id": "",
        "year": 2020,
    }


def test_damaged_graph_cache_is_rebuilt(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PROFILE_AGENT_CACHE_DIR", str(tmp_path))
    enc = MiniLMEncoder()
    first = enc.embed(["a sentence about graphs"])
    [cached] = (tmp_path / "onnx").glob("*.onnx")
    cached.write_bytes(b"not a model")
    again = MiniLMEncoder().embed(["a sentence about graphs"])
    assert np.abs(first - again).max() < 1e-6
