"""Profiles -> chunks -> vectors -> store, idempotently.

Chunk ids are content hashes, so a re-run only embeds what is new, deletes what disappeared,
and leaves an unchanged page untouched. A profile's record is written after all its chunks: an
interrupted run leaves no record, and the next run completes the chunks and writes it. Papers
keep the identity ids the store gave them.

A local encoder runs in a background thread (``EncodeAhead``) while this thread writes the batch
before to the store; and when the store has not been opened yet, the first batches are encoded
while it opens, on the guess that it holds none of them (a wrong guess is dropped when the plan
is known).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from .chunking import chunk_profile
from .config import ChunkConfig
from .embeddings import Embedder
from .encode_ahead import EncodeAhead
from .errors import UserError
from .models import Chunk, Profile
from .store import VectorStore, reading_hash

Progress = Callable[[int, int], None]  # (chunks done, chunks in the job)

# Batches guessed while the store opens and the pages are planned (the first page found stored
# ends the guessing, so a wrong guess costs what was encoded until then), and batches queued
# ahead of the one being written.
_GUESS_BATCHES = 64
_AHEAD = 3


@dataclass
class IngestResult:
    profile_id: str
    name: str | None
    papers: int
    chunks: int
    added: int
    removed: int
    updated: int
    unchanged: bool


@dataclass
class _Plan:
    profile: Profile
    chunks: list[Chunk]
    to_add: list[Chunk] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    to_update: list[Chunk] = field(default_factory=list)
    unchanged: bool = False


def _keep_identities(profile: Profile, chunks: list[Chunk], store: VectorStore) -> _Plan:
    """``profile`` and its chunks with the identity ids the store gave its papers (a paper's
    own id, e.g. from a JSON profile, wins)."""
    stored = store.get_profile(profile.id)
    known = {p.id: p.identity_id for p in stored.papers} if stored else {}
    if not any(p.identity_id is None and known.get(p.id) for p in profile.papers):
        return _Plan(profile, chunks)
    profile = profile.model_copy(
        update={
            "papers": [
                p.model_copy(update={"identity_id": p.identity_id or known.get(p.id)})
                for p in profile.papers
            ]
        }
    )
    ids = {p.id: p.identity_id for p in profile.papers}
    return _Plan(
        profile, [c.model_copy(update={"identity_id": ids.get(c.paper_id)}) for c in chunks]
    )


def _plan(profile: Profile, chunks: list[Chunk], store: VectorStore) -> _Plan:
    plan = _keep_identities(profile, chunks, store)
    profile, chunks = plan.profile, plan.chunks
    wanted = {c.id: c for c in chunks}
    stored = store.chunk_metadata(profile.id)
    record = store.profile_meta(profile.id)
    plan.to_add = [c for c in chunks if c.id not in stored]
    plan.stale = [cid for cid in stored if cid not in wanted]
    # Same text, new metadata (e.g. an identity id assigned later): update without re-embedding.
    plan.to_update = [
        c for cid, c in wanted.items() if cid in stored and stored[cid] != c.metadata()
    ]
    plan.unchanged = (
        not plan.to_add
        and not plan.stale
        and not plan.to_update
        and record is not None
        and record.get("content_hash") == profile.content_hash
        and record.get("reading") == reading_hash(profile)
        and record.get("chunks") == len(chunks)
    )
    return plan


def ingest_profiles(
    profiles: Sequence[Profile],
    store: VectorStore,
    embedder: Embedder,
    chunking: ChunkConfig,
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
    after_encoding: Callable[[], object] | None = None,
) -> list[IngestResult]:
    """Index ``profiles``; new chunks of all of them are embedded together, shortest first,
    so each encoder batch holds texts of similar length (padding is wasted work).
    ``after_encoding`` runs in the encoder thread once the last new chunk is encoded (if there
    was one), while this thread writes (e.g. to encode what the caller needs next)."""
    ids = [p.id for p in profiles]
    if len(set(ids)) != len(ids):
        # Two plans against one stored state would leave each other's chunks behind.
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise UserError(
            f"profile id(s) {', '.join(map(repr, twice))} given more than once in one ingest; "
            "give each profile its own id"
        )
    with EncodeAhead(embedder, batch_size) as encoder:
        chunked = [chunk_profile(p, embedder, chunking) for p in profiles]
        if not store.opened and encoder.ahead:
            for batch in _batches([c for chunks in chunked for c in chunks], batch_size)[
                :_GUESS_BATCHES
            ]:
                encoder.guess([c.text for c in batch])
        plans = []
        for profile, chunks in zip(profiles, chunked, strict=True):
            plans.append(_plan(profile, chunks, store))
            if len(plans[-1].to_add) < len(chunks):
                encoder.drop_guesses()  # the store holds some of it: not all new after all
        batches = _batches([c for plan in plans for c in plan.to_add], batch_size)
        total = sum(len(plan.chunks) for plan in plans)
        done = total - sum(len(b) for b in batches)
        if progress:
            progress(done, total)
        queued: deque[tuple[list[Chunk], Future[np.ndarray]]] = deque()
        # Called in this thread (an API), a batch is written as soon as it is paid for.
        ahead = _AHEAD if encoder.ahead else 0
        for batch in batches:
            queued.append((batch, encoder.take([c.text for c in batch])))
            if len(queued) <= ahead:
                continue
            done += _write(store, *queued.popleft())
            if progress:
                progress(done, total)
        encoder.drop_guesses()  # more guessed than there was to encode
        if after_encoding is not None and batches:
            encoder.then(after_encoding)
        while queued:
            done += _write(store, *queued.popleft())
            if progress:
                progress(done, total)
        changed = [plan for plan in plans if not plan.unchanged]
        for plan in changed:
            store.update_metadata(plan.to_update)
            store.delete_chunks(plan.stale)
        store.put_profiles([(plan.profile, len(plan.chunks)) for plan in changed])
    results = []
    for plan in plans:
        results.append(
            IngestResult(
                plan.profile.id,
                plan.profile.name,
                len(plan.profile.papers),
                len(plan.chunks),
                len(plan.to_add),
                len(plan.stale),
                len(plan.to_update),
                plan.unchanged,
            )
        )
    return results


def _batches(chunks: list[Chunk], size: int) -> list[list[Chunk]]:
    ordered = sorted(chunks, key=lambda c: len(c.text))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _write(store: VectorStore, batch: list[Chunk], vectors: Future[np.ndarray]) -> int:
    store.add_chunks(batch, vectors.result())
    return len(batch)


def ingest_profile(
    profile: Profile,
    store: VectorStore,
    embedder: Embedder,
    chunking: ChunkConfig,
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> IngestResult:
    return ingest_profiles(
        [profile], store, embedder, chunking, batch_size=batch_size, progress=progress
    )[0]
