"""Chat about a profile's papers: the answer streamed as server-sent events."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.chat import new_session_id
from retrieval.errors import ProfileAgentError

from ..errors import error_json
from ..state import AppState, State, rate_limited

router = APIRouter(prefix="/api", tags=["chat"])

_DONE = object()


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str = Field(description="Profile id, owner name or unique id prefix.")
    question: str = Field(min_length=1, max_length=2000)
    session_id: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Continue this session."
    )
    identity: str | None = Field(None, description="Ask about this identity (e.g. I2).")
    llm: Literal["offline", "openai"] | None = Field(
        None, description="Answerer; default the server's (offline unless configured)."
    )


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/chat", dependencies=[Depends(rate_limited)])
def chat(state: State, body: ChatIn) -> StreamingResponse:
    """Events: ``session`` (the id to send back for a follow-up), ``token`` (text as the model
    writes it, LLM mode), then ``answer`` (``text`` with [P3] citations and the full cited,
    verified answer as JSON) or ``error``."""
    profile = state.workspace.resolve(body.profile)  # unknown: a 404, not a broken stream
    session_id = body.session_id or new_session_id()
    return StreamingResponse(
        _events(state, profile.id, body, session_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _events(state: AppState, profile_id: str, body: ChatIn, session_id: str) -> Iterator[str]:
    events: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            # Sessions are kept in the store: a turn is a write (that changes no report).
            answer = state.write(
                lambda: state.workspace.ask(
                    profile_id,
                    body.question,
                    identity_id=body.identity,
                    llm=body.llm,
                    session_id=session_id,
                    on_token=lambda text: events.put(("token", {"text": text})),
                ),
                changes_reports=False,
            )
            events.put(("answer", {"text": answer.text, "answer": answer.model_dump(mode="json")}))
        except ProfileAgentError as exc:
            events.put(("error", error_json(exc)["error"]))
        except Exception as exc:  # the stream must end with an event the page can show
            events.put(
                (
                    "error",
                    {
                        "type": "InternalError",
                        "message": f"internal error: {type(exc).__name__}",
                        "status": 500,
                    },
                )
            )
        finally:
            events.put(_DONE)

    yield sse("session", {"session_id": session_id})
    threading.Thread(target=run, daemon=True).start()
    while (item := events.get()) is not _DONE:
        yield sse(*item)
