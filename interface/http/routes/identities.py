"""Identities (the people behind the name on a page) and the user's corrections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import Field

from agent.identities.assignment import identify
from agent.models import Corrections, IdentityResult

from ..state import State, require_token

router = APIRouter(prefix="/api/profiles", tags=["identities"])


class CorrectionsIn(Corrections):
    replace: bool = Field(
        False, description="Replace the stored corrections instead of adding to them."
    )


@router.get("/{ref}/identities")
def get_identities(state: State, ref: str) -> dict[str, Any]:
    """The identities with the stored corrections applied (reads only)."""
    ws = state.workspace
    profile = ws.resolve(ref)
    result = identify(ws.store, ws.embedder, profile)
    return _out(profile.id, result, ws.corrections(profile.id))


@router.post("/{ref}/corrections", dependencies=[Depends(require_token)])
def post_corrections(state: State, ref: str, body: CorrectionsIn) -> dict[str, Any]:
    """Add ``together`` groups ("same person") and ``apart`` pairs ("not the same person"),
    or replace them all; a new correction overrides an older one that contradicts it."""
    ws = state.workspace

    def apply() -> tuple[str, IdentityResult, Corrections]:
        profile = ws.resolve(ref)
        fixes = Corrections(together=body.together, apart=body.apart)
        if not body.replace:
            fixes = merge(ws.corrections(profile.id), fixes)
        _, result = ws.identities(profile.id, fixes)
        return profile.id, result, fixes

    return _out(*state.write(apply))


def merge(old: Corrections, new: Corrections) -> Corrections:
    """``old`` then ``new``, without the old statements ``new`` contradicts."""
    together = [list(g) for g in old.together]
    apart = list(old.apart)
    for group in new.together:
        members = set(group)
        apart = [p for p in apart if not (p[0] in members and p[1] in members)]
    for a, b in new.apart:
        together = [[x for x in g if x != b] if a in g and b in g else g for g in together]
    together = [g for g in together if len(g) >= 2]
    for group in new.together:
        if list(group) not in together:
            together.append(list(group))
    for pair in new.apart:
        if pair not in apart and (pair[1], pair[0]) not in apart:
            apart.append(pair)
    return Corrections(together=together, apart=apart)


def _out(profile_id: str, result: IdentityResult, corrections: Corrections) -> dict[str, Any]:
    return {
        "profile": profile_id,
        "identities": result.model_dump(mode="json"),
        "corrections": corrections.model_dump(mode="json"),
    }
