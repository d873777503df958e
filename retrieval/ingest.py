"""Profiles -> chunks -> vectors -> store, idempotently.

Chunk ids are content hashes, so a re-run only embeds what is new, deletes what disappeared,
and leaves an unchanged page untouched. The profile record is written after its chunks: an
interrupted run leaves no record, and the next run completes the chunks and writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .chunking import chunk_profile
from .config import ChunkConfig
from .embeddings import Embedder
from .models import Profile
from .store import VectorStore

Progress = Callable[[int, int], None]  # (chunks done, chunks to do)


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


def ingest_profile(
    profile: Profile,
    store: VectorStore,
    embedder: Embedder,
    chunking: ChunkConfig,
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> IngestResult:
    chunks = chunk_profile(profile, embedder, chunking)
    wanted = {c.id: c for c in chunks}
    stored = store.chunk_metadata(profile.id)
    record = store.profile_meta(profile.id)

    to_add = [c for c in chunks if c.id not in stored]
    stale = [cid for cid in stored if cid not in wanted]
    # Same text, new metadata (e.g. an identity id assigned later): update without re-embedding.
    to_update = [c for cid, c in wanted.items() if cid in stored and stored[cid] != c.metadata()]
    unchanged = (
        not to_add and not stale and not to_update and record is not None
        and record.get("content_hash") == profile.content_hash
        and record.get("chunks") == len(chunks)
    )
    if unchanged:
        if progress:
            progress(len(chunks), len(chunks))
        return IngestResult(profile.id, profile.name, len(profile.papers), len(chunks), 0, 0, 0, True)

    done = len(chunks) - len(to_add)
    if progress:
        progress(done, len(chunks))
    for start in range(0, len(to_add), batch_size):
        batch = to_add[start : start + batch_size]
        vectors = embedder.embed([c.text for c in batch], batch_size=batch_size)
        store.add_chunks(batch, vectors)
        done += len(batch)
        if progress:
            progress(done, len(chunks))
    store.update_metadata(to_update)
    store.delete_chunks(stale)
    store.put_profile(profile, len(chunks))
    return IngestResult(profile.id, profile.name, len(profile.papers), len(chunks), len(to_add),
                        len(stale), len(to_update), False)
