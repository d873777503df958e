"""Chat about a profile's papers: the answer streamed as server-sent events."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.chat import new_session_id
from retrieval.cleaning import is_blank
from retrieval.errors import ProfileAgentError, UserError

from ..errors import error_json, internal_body, internal_error_id
from ..state import AppState, State, allowed_llm, rate_limited

router = APIRouter(prefix="/api", tags=["chat"])

_DONE = object()


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str = Field(max_length=500, description="Profile id, owner name or unique id prefix.")
    question: str = Field(min_length=1, max_length=2000)
    session_id: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Continue this session."
    )
    identity: str | None = Field(
        None, max_length=64, description="Ask about this identity (e.g. I2)."
    )
    llm: Literal["offline", "openai"] | None = Field(
        None, description="Answerer; default the server's (offline unless configured)."
    )


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/chat", dependencies=[Depends(rate_limited)])
def chat(state: State, request: Request, body: ChatIn) -> StreamingResponse:
    """Events: ``session`` (the id to send back for a follow-up), ``token`` (text as the model
    writes it, LLM mode), then ``answer`` (``text`` with [P3] citations and the full cited,
    verified answer as JSON) or ``error``. A second question on a session whose answer is
    still being written is refused (409)."""
    llm = allowed_llm(request, body.llm)
    if is_blank(body.question):  # a 400 now rather than an error event in a 200 stream
        raise UserError("the question is empty; ask something about the papers")
    profile = state.workspace.resolve(body.profile)  # unknown: a 404, not a broken stream
    session_id = body.session_id or new_session_id()
    state.claim_session(session_id)
    events: queue.Queue[Any] = queue.Queue()
    # The turn runs whether or not the client stays to read it; it releases the session.
    threading.Thread(
        target=_answer,
        args=(state, profile.id, body, llm, session_id, events),
        name=f"chat-{session_id}",
        daemon=True,
    ).start()
    return StreamingResponse(
        _stream(session_id, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _answer(
    state: AppState,
    profile_id: str,
    body: ChatIn,
    llm: Literal["offline", "openai"],
    session_id: str,
    events: queue.Queue[Any],
) -> None:
    try:
        # Sessions are kept in the store: saving one is a write (that changes no report); the
        # store's lock is held for that write only, not while the answer is produced.
        answer = state.workspace.ask(
            profile_id,
            body.question,
            identity_id=body.identity,
            llm=llm,
            session_id=session_id,
            on_token=lambda text: events.put(("token", {"text": text})),
            save_lock=state.write_lock,
        )
        events.put(("answer", {"text": answer.text, "answer": answer.model_dump(mode="json")}))
    except ProfileAgentError as exc:
        events.put(("error", error_json(exc)["error"]))
    except Exception as exc:  # the stream must end with an event the page can show
        events.put(("error", internal_body(internal_error_id(exc, f"chat {session_id}"))["error"]))
    finally:
        state.release_session(session_id)
        events.put(_DONE)


def _stream(session_id: str, events: queue.Queue[Any]) -> Iterator[str]:
    yield sse("session", {"session_id": session_id})
    while (item := events.get()) is not _DONE:
        yield sse(*item)
