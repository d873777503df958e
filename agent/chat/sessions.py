"""Chat sessions, kept in the store (a Chroma collection beside the corrections), so the CLI,
the REPL and the HTTP API can all continue one conversation."""

from __future__ import annotations

import re
import secrets

from pydantic import ValidationError

from retrieval.errors import NotFoundError, StoreError, UserError
from retrieval.store import VectorStore

from .models import Session

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TURNS = 50  # kept per session; older turns are dropped (follow-ups only need the last few)


def new_session_id() -> str:
    return secrets.token_hex(6)


class SessionStore:
    def __init__(self, store: VectorStore) -> None:
        self.store = store

    def load(self, session_id: str, profile_id: str, create: bool = True) -> Session:
        """The session ``session_id`` of ``profile_id``; a new one when it does not exist yet
        (and ``create``). A session of another profile is refused rather than mixed in."""
        if not _ID.match(session_id):
            raise UserError(
                f"session id {session_id!r} is not valid: use 1-64 letters, digits, '-' or '_'"
            )
        raw = self.store.get_session(session_id)
        if raw is None:
            if not create:
                raise NotFoundError(f"no chat session {session_id!r}")
            return Session(id=session_id, profile_id=profile_id)
        try:
            session = Session.model_validate_json(raw)
        except ValidationError as exc:
            raise StoreError(
                f"chat session {session_id!r} in the store is unreadable ({exc.error_count()} "
                "error(s)); start a new session with another session id"
            ) from None
        if session.profile_id != profile_id:
            raise UserError(
                f"session {session_id!r} is about profile {session.profile_id!r}, not "
                f"{profile_id!r}; use another session id"
            )
        return session

    def save(self, session: Session) -> None:
        if len(session.turns) > MAX_TURNS:
            session = session.model_copy(update={"turns": session.turns[-MAX_TURNS:]})
        self.store.put_session(session.id, session.profile_id, session.model_dump_json())
