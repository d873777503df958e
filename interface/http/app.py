"""The app factory: the JSON API under /api, the web page at /, OpenAPI at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.settings import Settings, load_settings

from . import errors, guard, pages
from .limits import BodyLimit
from .routes import ROUTERS
from .state import REPORT_CACHE, AppState

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The web page runs only its own script; styles inline in the report page are allowed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None, *, report_cache: int = REPORT_CACHE) -> FastAPI:
    """A new app over the store the settings name (read from the environment when None)."""
    state = AppState(settings or load_settings(), report_cache=report_cache)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.warm()
        yield
        state.jobs.shutdown()

    app = FastAPI(
        title="profile-agent",
        version=version("profile-agent"),
        summary="Grounded, cited profiles of researchers from their publication pages.",
        lifespan=lifespan,
    )
    app.state.profile_agent = state
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if state.settings.http.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=state.settings.http.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.middleware("http")
    async def same_site_only(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if state.token is None:  # with a token, the token is the check (see guard)
            try:
                guard.check(request, state.settings.http.cors_origins)
            except errors.Forbidden as exc:
                return JSONResponse(errors.error_json(exc), status_code=exc.status)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/docs"):  # Swagger UI loads its script from a CDN
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    app.add_middleware(BodyLimit)
    app.add_middleware(HeadAsGet)  # outermost: every GET route answers HEAD too
    return app


class HeadAsGet:
    """HEAD is GET without the body (FastAPI routes answer GET only; monitors send HEAD)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
