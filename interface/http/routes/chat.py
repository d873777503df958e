"""Chat about a profile's papers: the answer streamed as server-sent events.

CHAT NOT WIRED YET: the chat library (``Workspace.ask``, issue 11) is not on this branch, so
the endpoint answers 503 "chat not available" until it is."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.workspace import Workspace

from ..errors import Unavailable
from ..state import State, rate_limited

router = APIRouter(prefix="/api", tags=["chat"])


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str = Field(description="Profile id, owner name or unique id prefix.")
    question: str = Field(min_length=1, max_length=2000)
    session_id: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Continue this session."
    )
    identity: str | None = Field(None, description="Ask about this identity (e.g. I2).")


def chat_available() -> bool:
    return hasattr(Workspace, "ask")


@router.post("/chat", dependencies=[Depends(rate_limited)])
def chat(state: State, body: ChatIn) -> StreamingResponse:
    """Events: ``token`` (text as it comes), then ``answer`` (the cited, verified answer as
    JSON), or ``error``; a ``session`` event first names the session to continue."""
    if not chat_available():
        raise Unavailable("chat not available in this build (the chat library is not installed)")
    state.workspace.resolve(body.profile)  # an unknown profile is a 404, not a broken stream
    raise Unavailable("chat not available in this build")
