"""Errors as JSON: every ``ProfileAgentError`` becomes ``{"error": {...}}`` with the CLI's
message and a status code a client can act on; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrieval.errors import (
    ConfigError,
    InputFileError,
    ModelError,
    NotFoundError,
    ProfileAgentError,
    StoreError,
    TransientError,
    UserError,
)

log = logging.getLogger(__name__)


class HttpError(ProfileAgentError):
    """An error the HTTP shell raises itself (the library's errors keep their own classes)."""

    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        self.headers = headers or {}
        super().__init__(message)


class Unauthorized(HttpError):
    status = 401


class Conflict(HttpError):
    status = 409


class PayloadTooLarge(HttpError):
    status = 413


class UnsupportedMediaType(HttpError):
    status = 415


class RateLimited(HttpError):
    status = 429


class Unavailable(HttpError):
    status = 503


def status_for(exc: ProfileAgentError) -> int:
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, NotFoundError):
        # "matches several profiles" is the user's ambiguity, not a missing profile.
        return 409 if "matches several" in str(exc) else 404
    if isinstance(exc, InputFileError):
        return 413 if "over the" in exc.detail and "limit" in exc.detail else 422
    if isinstance(exc, ConfigError):
        return 503  # the server's configuration, which the client cannot fix
    if isinstance(exc, UserError):
        return 400
    if isinstance(exc, TransientError | StoreError):
        return 503
    if isinstance(exc, ModelError):
        return 502
    return 500


def body(kind: str, message: str, status: int) -> dict[str, object]:
    return {"error": {"type": kind, "message": message, "status": status}}


def error_json(exc: ProfileAgentError) -> dict[str, object]:
    return body(type(exc).__name__, str(exc), status_for(exc))


def install(app: FastAPI) -> None:
    @app.exception_handler(ProfileAgentError)
    async def _domain(request: Request, exc: ProfileAgentError) -> JSONResponse:
        headers = exc.headers if isinstance(exc, HttpError) else None
        return JSONResponse(error_json(exc), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        return JSONResponse(body("ValidationError", message, 422), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no route {request.url.path!r}; see /docs for the API"
        return JSONResponse(
            body("HTTPError", message, exc.status_code),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s", request.url.path)
        first = (str(exc).strip().splitlines() or [""])[0]
        return JSONResponse(
            body("InternalError", f"internal error: {type(exc).__name__}: {first}", 500),
            status_code=500,
        )
