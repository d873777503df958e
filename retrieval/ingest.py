"""Profiles -> chunks -> vectors -> store, idempotently.

Chunk ids are content hashes, so a re-run only embeds what is new, deletes what disappeared,
and leaves an unchanged page untouched. A profile's record is written after all its chunks: an
interrupted run leaves no record, and the next run completes the chunks and writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .chunking import chunk_profile
from .config import ChunkConfig
from .embeddings import Embedder
from .errors import UserError
from .models import Chunk, Profile
from .store import VectorStore, reading_hash

Progress = Callable[[int, int], None]  # (chunks done, chunks in the job)


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


def _plan(profile: Profile, store: VectorStore, embedder: Embedder, chunking: ChunkConfig) -> _Plan:
    chunks = chunk_profile(profile, embedder, chunking)
    wanted = {c.id: c for c in chunks}
    stored = store.chunk_metadata(profile.id)
    record = store.profile_meta(profile.id)
    plan = _Plan(profile, chunks)
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
) -> list[IngestResult]:
    """Index ``profiles``; new chunks of all of them are embedded together, shortest first,
    so each encoder batch holds texts of similar length (padding is wasted work)."""
    ids = [p.id for p in profiles]
    if len(set(ids)) != len(ids):
        # Two plans against one stored state would leave each other's chunks behind.
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise UserError(
            f"profile id(s) {', '.join(map(repr, twice))} given more than once in one ingest; "
            "give each profile its own id"
        )
    plans = [_plan(p, store, embedder, chunking) for p in profiles]
    pending = sorted((c for plan in plans for c in plan.to_add), key=lambda c: len(c.text))
    total = sum(len(plan.chunks) for plan in plans)
    done = total - len(pending)
    if progress:
        progress(done, total)
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        store.add_chunks(batch, embedder.embed([c.text for c in batch], batch_size=batch_size))
        done += len(batch)
        if progress:
            progress(done, total)
    results = []
    for plan in plans:
        if not plan.unchanged:
            store.update_metadata(plan.to_update)
            store.delete_chunks(plan.stale)
            store.put_profile(plan.profile, len(plan.chunks))
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
