"""Semantic search over one profile's papers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from ..state import State

router = APIRouter(prefix="/api/profiles", tags=["search"])


@router.get("/{ref}/search")
def search(
    state: State,
    ref: str,
    q: str = Query(min_length=1, max_length=1000, description="What to look for."),
    k: int = Query(5, ge=1, le=100, description="Number of papers."),
    identity: str | None = Query(None, description="Only this identity's papers (e.g. I2)."),
) -> dict[str, Any]:
    profile, hits = state.workspace.search(ref, q, k=k, identity_id=identity)
    return {"profile": profile.id, "query": q, "hits": [h.model_dump() for h in hits]}
