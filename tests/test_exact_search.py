"""VectorStore.query ranks a small selection (a profile, an identity of it) exactly from the
chunks it reads: the result is the brute-force nearest chunks, within the filter, ties in page
order; a selection larger than it ranks exactly goes to Chroma's index."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import retrieval.store as store_module
from agent.settings import Settings
from agent.workspace import Workspace
from benchmarks.scale_bench import chunks_of, synth_profile
from retrieval.store import _split_where


@pytest.fixture
def synth(tmp_path: Path) -> tuple[Workspace, dict[str, tuple[list, np.ndarray]]]:
    ws = Workspace(Settings(store_dir=tmp_path / "store", chroma_host=None))
    rng = random.Random(5)
    data = {}
    for i, n in enumerate((40, 25, 30)):
        profile, vecs = synth_profile(i, n, rng)
        chunks = chunks_of(profile)
        ws.store.add_chunks(chunks, vecs)
        data[profile.id] = (chunks, vecs)
    return ws, data


def _brute(chunks: list, vecs: np.ndarray, q: np.ndarray, k: int, identity: str | None) -> list:
    rows = [(c, v) for c, v in zip(chunks, vecs, strict=True) if identity in (None, c.identity_id)]
    dist = [
        round(1.0 - float(v @ q) / float(np.linalg.norm(v) * np.linalg.norm(q)), 6) for _, v in rows
    ]
    order = sorted(range(len(rows)), key=lambda i: (dist[i], rows[i][0].position, rows[i][0].id))
    return [rows[i][0].id for i in order[:k]]


def test_exact_ranking_within_the_profile_and_identity(synth: tuple) -> None:
    ws, data = synth
    rng = np.random.default_rng(1)
    for pid, (chunks, vecs) in data.items():
        for _ in range(3):
            q = vecs[rng.integers(len(vecs))] + 0.05 * rng.standard_normal(vecs.shape[1])
            got = ws.store.query(q, 7, {"profile_id": pid})
            assert [r["id"] for r in got] == _brute(chunks, vecs, q, 7, None)
            assert all(r["metadata"]["profile_id"] == pid for r in got)
            where = {"$and": [{"profile_id": pid}, {"identity_id": "id1"}]}
            got = ws.store.query(q, 7, where)
            assert [r["id"] for r in got] == _brute(chunks, vecs, q, 7, "id1")
            assert {r["metadata"]["identity_id"] for r in got} == {"id1"}
    assert ws.store.query(q, 5, {"profile_id": "nobody"}) == []


def test_a_large_selection_goes_to_the_index(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, data = synth
    monkeypatch.setattr(store_module, "_EXACT_MAX", 10)
    pid = next(iter(data))
    chunks, vecs = data[pid]
    got = ws.store.query(vecs[0], 5, {"profile_id": pid})
    assert got[0]["id"] == chunks[0].id  # its own vector is nearest, through HNSW too
    assert len(got) == 5 and all(r["metadata"]["profile_id"] == pid for r in got)


def test_split_where() -> None:
    p, i = {"profile_id": "a"}, {"identity_id": "b"}
    assert _split_where(p) == (p, {})
    assert _split_where({"$and": [p, i]}) == (p, {"identity_id": "b"})
    odd = {"$and": [p, {"year": {"$gt": 2000}}]}
    assert _split_where(odd) == (odd, {})  # not plain equalities: all to Chroma
