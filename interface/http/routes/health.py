"""Health: is the store reachable, how many profiles, what the server offers."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import APIRouter

from ..state import State

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(state: State) -> dict[str, Any]:
    """``status: ok`` when the store answers; also what this server offers."""
    ws = state.workspace
    return {
        "status": "ok",
        "version": version("profile-agent"),
        "store": ws.settings.store_config().describe(),
        "profiles": len(ws.profiles()),
        "writes_need_token": state.token is not None,
        "chat": True,
        "url_ingest": True,
    }
