"""Semantic search over one profile's chunks, optionally within one identity."""

from __future__ import annotations

from typing import Any

from .embeddings import Embedder
from .models import Profile, SearchHit
from .similarity import stable
from .store import VectorStore


def search(
    store: VectorStore,
    embedder: Embedder,
    profile: Profile,
    query: str,
    k: int = 5,
    identity_id: str | None = None,
) -> list[SearchHit]:
    """The ``k`` papers closest to ``query``, best first; one hit per paper (its best chunk)."""
    where: dict[str, Any] = {"profile_id": profile.id}
    if identity_id is not None:
        where = {"$and": [where, {"identity_id": identity_id}]}
    vector = embedder.embed([query])[0]
    # Several chunks of one paper may match; ask for more and keep each paper's best.
    rows = store.query(vector, k=k * 3, where=where)
    # Best first; equal distances (to float noise) in page order, so every CPU ranks alike.
    rows.sort(key=lambda r: (stable(r["distance"]), r["metadata"]["position"], r["id"]))
    papers = {p.id: p for p in profile.papers}
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for row in rows:
        meta = row["metadata"]
        pid = meta["paper_id"]
        if pid in seen:
            continue
        seen.add(pid)
        paper = papers.get(pid)
        body = row["text"]
        if paper and paper.title and body.startswith(paper.title):
            body = body[len(paper.title) :]
        text = " ".join(body.split())
        hits.append(
            SearchHit(
                paper_id=pid,
                label=f"P{meta['position']}",
                title=paper.title if paper else None,
                score=round(1.0 - float(row["distance"]), 4),
                snippet=text if len(text) <= 240 else text[:237] + "...",
                chunk_id=row["id"],
                identity_id=meta.get("identity_id") or None,
            )
        )
        if len(hits) == k:
            break
    return hits
