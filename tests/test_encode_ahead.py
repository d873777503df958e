"""Encoding ahead in a background thread: guesses taken in order, a wrong guess dropped, every
stored chunk with its own text's vector, and the caches it shares with the main thread."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from agent.settings import Settings
from agent.workspace import Workspace
from retrieval import ingest as ingest_module
from retrieval.blob_cache import BlobCache
from retrieval.embed_cache import CachedEmbedder, DiskVectorCache
from retrieval.encode_ahead import EncodeAhead
from retrieval.models import Profile
from tests.conftest import SEED, SEEDS_DIR


def _vector(text: str, dim: int = 8) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    v = np.random.default_rng(seed).standard_normal(dim)
    return (v / np.linalg.norm(v)).astype(np.float32)


class GatedEmbedder:
    """A vector per text from its hash. With ``gate`` set, the first ``embed`` waits until the
    gate opens, so a test decides what happens while a batch is being encoded."""

    name = "gated"
    dim = 8
    local = True

    def __init__(self, gated: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.started = threading.Event()
        self.gate = threading.Event()
        if not gated:
            self.gate.set()

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(texts))
        self.started.set()
        assert self.gate.wait(60), "the gate was never opened"
        return np.stack([_vector(t) for t in texts]) if texts else np.zeros((0, 8), np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        out, start = [], None
        for i, ch in enumerate(text + " "):
            if ch.isspace() and start is not None:
                out.append((start, i))
                start = None
            elif not ch.isspace() and start is None:
                start = i
        return out


def test_guesses_are_taken_in_order_and_a_wrong_take_drops_the_rest() -> None:
    embedder = GatedEmbedder(gated=True)
    with EncodeAhead(embedder, batch_size=2) as ahead:
        ahead.guess(["a", "b"])
        ahead.guess(["c", "d"])
        ahead.guess(["e"])
        assert embedder.started.wait(10)  # the first guess is being encoded
        first = ahead.take(["a", "b"])  # the next guess: taken, not encoded again
        other = ahead.take(["x"])  # not the next guess: the guesses left are dropped
        embedder.gate.set()
        assert np.array_equal(first.result(10), np.stack([_vector("a"), _vector("b")]))
        assert np.array_equal(other.result(10), _vector("x")[None])
    assert embedder.calls == [["a", "b"], ["x"]]  # "c d" and "e" were never encoded


def test_leaving_early_waits_only_for_the_batch_being_encoded() -> None:
    embedder = GatedEmbedder(gated=True)
    with pytest.raises(RuntimeError, match="store failed"), EncodeAhead(embedder) as ahead:
        ahead.take(["one"])
        ahead.take(["two"])
        ahead.guess(["three"])
        assert embedder.started.wait(10)
        threading.Timer(0.2, embedder.gate.set).start()
        raise RuntimeError("store failed")
    assert embedder.calls == [["one"]]


def _stored(ws: Workspace, profile_id: str) -> dict[str, np.ndarray]:
    got = ws.store.chunks.get(where={"profile_id": profile_id}, include=["embeddings", "documents"])
    return {
        doc: np.asarray(vec, dtype=np.float32)
        for doc, vec in zip(got["documents"], got["embeddings"], strict=True)
    }


def _ws(store: Path, embedder: GatedEmbedder) -> Workspace:
    return Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR), embedder=embedder)


def _gate_opens_when_the_plan_is_known(
    monkeypatch: pytest.MonkeyPatch, embedder: GatedEmbedder, free_worker: bool = False
) -> list[str]:
    """Plan only once a guessed batch is being encoded, and open the gate once the guesses
    have been judged (taken or dropped): what was guessed wrong is then never encoded. With
    ``free_worker``, the gate opens before each later page is planned, and the worker gets
    0.3 s: a guess still queued then would run. Returns the ids of the pages planned."""
    real_plan, real_drop = ingest_module._plan, EncodeAhead.drop_guesses
    planned: list[str] = []

    def plan(profile: Profile, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not planned:
            assert embedder.started.wait(30), "no guessed batch was being encoded"
        elif free_worker:
            embedder.gate.set()
            time.sleep(0.3)
        planned.append(profile.id)
        return real_plan(profile, *args, **kwargs)

    def drop(self: EncodeAhead) -> None:
        real_drop(self)
        embedder.gate.set()

    monkeypatch.setattr(ingest_module, "_plan", plan)
    monkeypatch.setattr(EncodeAhead, "drop_guesses", drop)
    return planned


def _stored_page(store: Path, seed: str = "004") -> Profile:
    """A seed page, parsed and ingested into ``store``."""
    [profile] = _ws(store, GatedEmbedder()).parse(SEED[seed])
    _ws(store, GatedEmbedder()).ingest_many([profile])
    return profile


def _batch_sizes(n: int, size: int = 32) -> list[int]:
    return [size] * (n // size) + ([n % size] if n % size else [])


def test_a_new_page_is_encoded_once_while_the_store_opens(tmp_path: Path) -> None:
    embedder = GatedEmbedder()
    ws = _ws(tmp_path / "store", embedder)
    [profile] = ws.parse(SEED["004"])
    assert not ws.store.opened
    [result] = ws.ingest_many([profile])
    n = result.chunks
    assert result.added == n > 32
    # Batches of 32, guessed while the store opened and then taken: each text encoded once
    # (the identity step's own texts come after).
    sizes = _batch_sizes(n)
    assert [len(c) for c in embedder.calls[: len(sizes)]] == sizes
    texts = [t for call in embedder.calls[: len(sizes)] for t in call]
    stored = _stored(ws, profile.id)
    assert len(set(texts)) == n and sorted(stored) == sorted(texts)
    everything = [t for call in embedder.calls for t in call]
    assert all(everything.count(t) == 1 for t in texts)  # no batch encoded twice
    for text, vector in stored.items():
        assert np.allclose(vector, _vector(text), atol=1e-6), text[:40]  # Chroma rounds


def test_an_unchanged_page_costs_one_guessed_batch_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    profile = _stored_page(store)
    embedder = GatedEmbedder(gated=True)
    planned = _gate_opens_when_the_plan_is_known(monkeypatch, embedder)
    ws = _ws(store, embedder)
    [result] = ws.ingest_many([profile])
    assert planned == [profile.id] and result.unchanged and result.added == 0
    assert len(embedder.calls) == 1 and len(embedder.calls[0]) == 32  # the guess that ran


def test_a_changed_page_stores_every_chunk_with_its_own_vector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    profile = _stored_page(store)
    papers = list(profile.papers)
    for i in (0, 5, 9):
        papers[i] = papers[i].model_copy(update={"abstract": f"A new abstract number {i}."})
    changed = Profile.model_validate(profile.model_copy(update={"papers": papers}).model_dump())
    embedder = GatedEmbedder(gated=True)
    planned = _gate_opens_when_the_plan_is_known(monkeypatch, embedder)
    ws = _ws(store, embedder)
    [result] = ws.ingest_many([changed])
    assert planned == [profile.id] and result.added == 3 and result.removed >= 3
    # The guess that was running (all 32 of the shortest texts) and the three new chunks:
    # no other guessed batch was encoded.
    assert [len(c) for c in embedder.calls[:2]] == [32, 3]
    stored = _stored(ws, profile.id)
    assert len(stored) == result.chunks > 32
    for text, vector in stored.items():
        assert np.allclose(vector, _vector(text), atol=1e-6), text[:40]  # Chroma rounds


def test_the_vector_cache_is_shared_by_threads(tmp_path: Path) -> None:
    """Ingest encodes in a background thread; the report, in the main thread, must find what
    it encoded on disk (SQLite refuses a connection made in another thread by default)."""
    inner = GatedEmbedder()
    path = tmp_path / "vectors.sqlite"
    cached = CachedEmbedder(inner, max_entries=4, disk=DiskVectorCache(path, 8))
    texts = [f"text {i}" for i in range(50)]
    worker = threading.Thread(target=cached.embed, args=(texts,))
    worker.start()
    worker.join()
    again = CachedEmbedder(inner, max_entries=4, disk=cached.disk)  # memory empty: disk only
    assert np.array_equal(again.embed(texts), np.stack([_vector(t) for t in texts]))
    assert inner.calls == [texts] and again.hits == 50


def test_concurrent_embeds_each_get_their_own_rows() -> None:
    inner = GatedEmbedder()
    cached = CachedEmbedder(inner, max_entries=7)  # evicting all the time
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            for r in range(40):
                texts = [f"t{(k * 7 + r + j) % 23}" for j in range(9)]
                assert np.array_equal(cached.embed(texts), np.stack([_vector(t) for t in texts]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_a_blob_cache_answers_every_thread(tmp_path: Path) -> None:
    blobs = BlobCache(tmp_path / "b.sqlite", "t", "body", 100)
    assert blobs.get([b"k"]) == {}  # the connection is made here, in the main thread
    writer = threading.Thread(target=blobs.put, args=({b"k": b"made in a thread"},))
    writer.start()
    writer.join()
    assert blobs.get([b"k"]) == {b"k": b"made in a thread"}


def test_work_queued_after_the_batches_runs_in_the_worker_before_close_returns() -> None:
    embedder = GatedEmbedder()
    ran: list[tuple[str, int]] = []
    with EncodeAhead(embedder) as ahead:
        ahead.take(["a"])
        ahead.then(lambda: ran.append((threading.current_thread().name, len(embedder.calls))))
        ahead.then(lambda: 1 / 0)  # dropped: it only prepares what its caller would do
    assert ran and ran[0][0].startswith("profile-agent-encode") and ran[0][1] == 1


def test_ingest_prepares_the_next_step_only_when_it_encoded_something(tmp_path: Path) -> None:
    from retrieval.ingest import ingest_profiles

    ws = _ws(tmp_path / "store", GatedEmbedder())
    [profile] = ws.parse(SEED["003"])
    calls: list[str] = []

    def ingest() -> None:
        ingest_profiles(
            [profile],
            ws.store,
            ws.embedder,
            ws.settings.chunking,
            after_encoding=lambda: calls.append(threading.current_thread().name),
        )

    ingest()
    ingest()  # unchanged: nothing encoded, nothing to prepare
    assert len(calls) == 1 and calls[0].startswith("profile-agent-encode")


class _ApiLike(GatedEmbedder):
    local = False


def test_an_api_embedder_is_called_in_the_callers_thread_and_never_on_a_guess(
    tmp_path: Path,
) -> None:
    embedder = _ApiLike()
    threads: list[str] = []
    real = embedder.embed

    def embed(texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return real(texts, batch_size)

    embedder.embed = embed  # type: ignore[method-assign]
    ws = _ws(tmp_path / "store", embedder)
    [profile] = ws.parse(SEED["003"])
    ws.ingest_many([profile])
    ws2 = _ws(tmp_path / "store", embedder)
    before = len(embedder.calls)
    [again] = ws2.ingest_many([profile])  # unchanged, store not yet open: nothing sent
    assert again.unchanged and len(embedder.calls) == before
    assert threads and set(threads) == {threading.main_thread().name}


def test_an_api_embedders_batches_are_stored_as_soon_as_they_are_paid_for(tmp_path: Path) -> None:
    from retrieval.ingest import ingest_profiles

    class FailsThirdTime(_ApiLike):
        def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
            if len(self.calls) == 2:
                raise RuntimeError("the endpoint gave up")
            return super().embed(texts, batch_size)

    embedder = FailsThirdTime()
    ws = _ws(tmp_path / "store", embedder)
    [profile] = ws.parse(SEED["004"])
    with pytest.raises(RuntimeError, match="gave up"):
        ingest_profiles([profile], ws.store, embedder, ws.settings.chunking, batch_size=8)
    assert ws.store.chunks.count() == 16  # the two batches paid for are kept


def test_the_encoder_loads_once_when_threads_ask_together(monkeypatch: pytest.MonkeyPatch) -> None:

    from retrieval import embed_onnx
    from retrieval.embed_local import MiniLMEncoder

    made: list[object] = []

    def slow_session(*args: object, **kwargs: object) -> object:
        time.sleep(0.2)  # long enough for every thread to be waiting
        made.append(object())
        return made[-1]

    monkeypatch.setattr(embed_onnx, "make_session", slow_session)
    enc = MiniLMEncoder()
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(enc.session)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and seen == made * 4


def test_a_page_found_stored_ends_the_guessing_before_the_next_page_is_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.chunking import chunk_profile

    store = tmp_path / "store"
    stored = _stored_page(store)
    [new] = _ws(store, GatedEmbedder()).parse(SEED["002"])  # together: several guessed batches
    embedder = GatedEmbedder(gated=True)
    planned = _gate_opens_when_the_plan_is_known(monkeypatch, embedder, free_worker=True)
    ws = _ws(store, embedder)
    unchanged, added = ws.ingest_many([stored, new])
    assert planned == [stored.id, new.id] and unchanged.unchanged and added.added == added.chunks
    old_texts = {c.text for c in chunk_profile(stored, embedder, ws.settings.chunking)}
    new_texts = {c.text for c in chunk_profile(new, embedder, ws.settings.chunking)}
    chunk_calls = [c for c in embedder.calls if set(c) & (old_texts | new_texts)]
    # The guess that was running when the first page turned out stored, then the new page's
    # own batches: no other guess was encoded.
    assert [len(c) for c in chunk_calls[1:]] == _batch_sizes(len(new_texts))
    assert set(t for c in chunk_calls[1:] for t in c) == new_texts
