"""Errors as JSON: every ``ProfileAgentError`` becomes ``{"error": {...}}`` with the CLI's
message and a status code a client can act on; never a traceback."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrieval.errors import (
    AmbiguousRefError,
    ConfigError,
    InputFileError,
    InputTooLargeError,
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


class Forbidden(HttpError):
    status = 403


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
        return 404
    if isinstance(exc, AmbiguousRefError):
        return 409  # the user's ambiguity (the message lists the candidates), not a missing one
    if isinstance(exc, InputTooLargeError):
        return 413
    if isinstance(exc, InputFileError):
        return 422
    if isinstance(exc, ConfigError):
        return 503  # the server's configuration, which the client cannot fix
    if isinstance(exc, UserError):
        return 400
    if isinstance(exc, TransientError | StoreError):
        return 503
    if isinstance(exc, ModelError):
        return 502
    return 500


def body(kind: str, message: str, status: int, **extra: str) -> dict[str, object]:
    return {"error": {"type": kind, "message": message, "status": status, **extra}}


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
        request_id = internal_error_id(exc, f"{request.method} {request.url.path}")
        return JSONResponse(
            internal_body(request_id), status_code=500, headers={"X-Request-ID": request_id}
        )


def internal_error_id(exc: BaseException, where: str) -> str:
    """Log ``exc`` with its traceback under a new id; the client gets only the id (the text of
    an unexpected exception can hold paths, settings or page content)."""
    request_id = uuid.uuid4().hex[:12]
    log.error("internal error %s on %s", request_id, where, exc_info=exc)
    return request_id


def internal_body(request_id: str) -> dict[str, object]:
    message = f"internal error (request id {request_id}; the server's log has the details)"
    return body("InternalError", message, 500, request_id=request_id)
