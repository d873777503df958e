"""What every request shares: one Workspace, the write lock, jobs, the rate limiter, a small
report cache; and the dependencies that check the token and the rate limit."""

from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request

from agent.models import Report
from agent.settings import Settings
from agent.workspace import Workspace

from .errors import Conflict, Forbidden, RateLimited, Unauthorized
from .jobs import JobManager
from .ratelimit import RateLimiter

T = TypeVar("T")
REPORT_CACHE = 32


class AppState:
    def __init__(self, settings: Settings, report_cache: int = REPORT_CACHE) -> None:
        self.settings = settings
        self.workspace = Workspace(settings)
        # Embedded Chroma is not safe for concurrent writers: every write holds this lock.
        self.write_lock = threading.Lock()
        self.generation = 0  # bumped by every write; cached reports of older ones are stale
        self.jobs = JobManager(settings.http.job_workers)
        self.limiter = RateLimiter(settings.http.rate_per_minute, settings.http.rate_burst)
        token = settings.api_token
        self.token = token.get_secret_value() if token else None
        self._cache: OrderedDict[tuple[Any, ...], Report] = OrderedDict()
        self._cache_size = report_cache
        self._cache_lock = threading.Lock()
        self._busy_sessions: set[str] = set()  # chat sessions with a turn being answered
        self._sessions_lock = threading.Lock()

    def warm(self) -> None:
        """Build the store, the encoder and the topic prototypes before requests race to."""
        self.workspace.warm()

    def write(self, fn: Callable[[], T], *, changes_reports: bool = True) -> T:
        with self.write_lock:
            try:
                return fn()
            finally:
                if changes_reports:
                    self.generation += 1

    def claim_session(self, session_id: str) -> None:
        """One turn at a time per chat session (two at once would each save the session
        without the other's turn); a second is refused until ``release_session``."""
        with self._sessions_lock:
            if session_id in self._busy_sessions:
                raise Conflict(
                    f"chat session {session_id!r} is still answering the previous question; "
                    "wait for its 'answer' event, then ask again"
                )
            self._busy_sessions.add(session_id)

    def release_session(self, session_id: str) -> None:
        with self._sessions_lock:
            self._busy_sessions.discard(session_id)

    def offline_report(self, ref: str, identity: str | None) -> Report:
        """The offline report, cached until the next write (it is deterministic)."""
        profile = self.workspace.resolve(ref)
        key = (profile.id, profile.content_hash, identity, self.generation)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        report = self.workspace.summarize(profile.id, llm="offline", identity_id=identity)
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = report
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return report


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.profile_agent  # set by create_app
    return state


def _token_given(request: Request) -> bool:
    """The request carries the server's API token (False when the server has none)."""
    expected = app_state(request).token
    if expected is None:
        return False
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return hmac.compare_digest(given.encode(), expected.encode())


def require_token(request: Request) -> None:
    """Writes need ``Authorization: Bearer <PROFILE_AGENT_API_TOKEN>`` when a token is set."""
    if app_state(request).token is not None and not _token_given(request):
        raise Unauthorized(
            "this write needs the API token: send 'Authorization: Bearer TOKEN' "
            "(the server's PROFILE_AGENT_API_TOKEN)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def allowed_llm(
    request: Request, asked: Literal["offline", "openai"] | None
) -> Literal["offline", "openai"]:
    """The drafter a request gets: the server's, or the one it asks for. Another paid model
    than the server's spends the operator's money, so choosing one needs the API token (and a
    server without a token refuses it); asking for the offline one is always allowed."""
    default = app_state(request).settings.llm.provider
    choice = asked or default
    if choice in ("offline", default) or _token_given(request):
        return choice
    raise Forbidden(
        f"llm={choice!r} is a paid model and this server drafts with {default!r}: choosing "
        "another model needs the API token ('Authorization: Bearer TOKEN', the server's "
        "PROFILE_AGENT_API_TOKEN); or start the server with "
        f"PROFILE_AGENT_LLM__PROVIDER={choice} to make it the default for every request"
    )


def rate_limited(request: Request) -> None:
    client = request.client.host if request.client else "unknown"
    wait = app_state(request).limiter.check(client)
    if wait is not None:
        raise RateLimited(
            f"too many report/chat requests from {client}; retry in {wait:g} s "
            "(limit: PROFILE_AGENT_HTTP__RATE_PER_MINUTE)",
            headers={"Retry-After": str(int(wait))},
        )


State = Annotated[AppState, Depends(app_state)]
