"""Profiles: create (upload, JSON, URL), list, get, and the report."""

from __future__ import annotations

import json
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import Message

from agent.reporting.build import build_chat_model
from retrieval.errors import InputFileError, UserError
from retrieval.fetch import is_url
from retrieval.models import Profile

from ..errors import PayloadTooLarge, UnsupportedMediaType
from ..jobs import Progress
from ..limits import DRAIN
from ..state import State, allowed_llm, rate_limited, require_token
from ._render import rendered

router = APIRouter(prefix="/api/profiles", tags=["profiles"])

# Browsers label .txt/.json/.bib/.xml files variously (or not at all); the bytes are checked
# (UTF-8 text, no NUL) whatever the label says.
UPLOAD_TYPES = {
    "",
    "text/plain",
    "text/html",
    "text/markdown",
    "text/x-bibtex",
    "text/xml",
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/x-bibtex",
    "application/atom+xml",
    "application/xml",
    "application/octet-stream",
}
FORM_OVERHEAD = 64 * 1024  # multipart headers and boundaries around the file


class ProfileIn(BaseModel):
    """One of: ``url`` (a page to fetch), ``text`` (the page's text, with an optional
    ``filename``) or ``profile`` (a profile as JSON: ``{"name": ..., "papers": [...]}``)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="A publication page to fetch (http or https).")
    text: str | None = Field(None, description="The page's text, as a file would hold it.")
    filename: str | None = Field(None, max_length=200, description="Labels the profile.")
    profile: dict[str, Any] | None = Field(None, description="A profile as JSON.")
    format: str | None = Field(None, description="Force a format (see 'profile-agent parse').")


@router.get("")
def list_profiles(state: State) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "name": r.name,
            "papers": r.papers,
            "chunks": r.chunks,
            "format": r.source_format,
        }
        for r in state.workspace.profiles()
    ]


@router.post(
    "",
    status_code=202,
    dependencies=[Depends(require_token)],
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "format": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
                "application/json": {"schema": ProfileIn.model_json_schema()},
            }
        }
    },
)
async def create_profile(state: State, request: Request) -> JSONResponse:
    """A page uploaded or sent as JSON is parsed now (bad input fails at once), then ingested
    as a background job; a URL is fetched, parsed and ingested in the job. 202 with the job to
    poll (``Location``); its result lists the profiles written."""
    page = await _read_input(request, state.settings.max_file_bytes)
    ws = state.workspace
    try:
        profiles = [] if page.url else ws.parse_upload(page.data, page.name, page.fmt)
    except InputFileError as exc:
        if page.has_lines or exc.line is None:
            raise
        # The line of our own re-serialisation would mislead: the field path names the spot.
        raise type(exc)(exc.path, exc.detail) from None
    ids = [p.id for p in profiles]

    def run(progress: Progress) -> list[dict[str, Any]]:
        todo = profiles
        if page.url:
            progress.say("fetching the page")
            todo = ws.parse(page.url, page.fmt, public_only=not ws.settings.http.fetch_private)
        progress.say("embedding chunks")
        results = state.write(lambda: ws.ingest_many(todo, progress))
        progress.say("done")
        return [r.__dict__ for r in results]

    job = state.jobs.submit("ingest", page.url or ",".join(ids), run)
    return JSONResponse(
        {"job": job.model_dump(mode="json"), "profiles": ids, "poll": f"/api/jobs/{job.id}"},
        status_code=202,
        headers={"Location": f"/api/jobs/{job.id}"},
    )


@dataclass
class _Page:
    data: bytes = b""
    name: str = ""
    fmt: str | None = None
    url: str | None = None
    has_lines: bool = True  # False: ``data`` is not what the client sent, line by line


async def _read_input(request: Request, max_bytes: int) -> _Page:
    """The page (bytes and a name for them, or a URL) and a forced format, from a multipart
    upload or JSON."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("multipart/form-data", "application/json"):
        raise UnsupportedMediaType(
            f"content type {ctype or 'none'!r} is not accepted; send multipart/form-data with "
            "a 'file' field, or application/json"
        )
    raw = await _read_body(request, max_bytes + FORM_OVERHEAD, max_bytes)
    if ctype == "application/json":
        return _json_input(_profile_request(raw), max_bytes)
    async with _replay(request, raw).form(max_files=1, max_fields=4) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UserError("no file in the form: send the page as the 'file' field")
        utype = (upload.content_type or "").split(";")[0].strip().lower()
        if utype not in UPLOAD_TYPES and not utype.startswith("text/"):
            raise UnsupportedMediaType(
                f"file type {utype!r} is not a page; upload a text, HTML, JSON, BibTeX or Atom file"
            )
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PayloadTooLarge(_too_large(len(data), max_bytes, "over"))
        fmt = form.get("format")
        name = upload.filename or "upload.txt"
        return _Page(data, name, fmt if isinstance(fmt, str) and fmt else None)


async def _read_body(request: Request, limit: int, max_bytes: int) -> bytes:
    """The request body, refused as soon as it passes ``limit`` bytes: a body sent without a
    Content-Length (chunked) is never held whole before its size is known."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + DRAIN:
        raise PayloadTooLarge(_too_large(int(declared), max_bytes))
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                over = size
                async for rest in stream:  # drained up to a point: the 413 must reach the client
                    over += len(rest)
                    if over > limit + DRAIN:
                        break
                raise PayloadTooLarge(_too_large(size, max_bytes, "over"))
            chunks.append(chunk)
    return b"".join(chunks)


def _replay(request: Request, raw: bytes) -> Request:
    """A request that reads ``raw`` as its body (the original's stream is spent)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request(request.scope, receive)


def _profile_request(raw: bytes) -> ProfileIn:
    """``raw`` as a ``ProfileIn``; an error names the field, or the line and column where the
    JSON stops being JSON."""
    try:
        return ProfileIn.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        problem = f"{where}: {first['msg']}" if where else first["msg"]
        raise UserError(
            f"the JSON body is not a profile request: {problem}; send {{'url': ...}}, "
            "{'text': ..., 'filename': ...} or {'profile': {...}}"
        ) from None


def _json_input(body: ProfileIn, max_bytes: int) -> _Page:
    given = [k for k in ("url", "text", "profile") if getattr(body, k) is not None]
    if len(given) != 1:
        raise UserError("send exactly one of 'url', 'text' or 'profile'")
    if body.url is not None:
        if not is_url(body.url):
            raise UserError(f"{body.url!r} is not an http(s) URL; paste the page's address")
        return _Page(url=body.url.strip(), fmt=body.format)
    if body.text is not None:
        data = body.text.encode("utf-8")
        name = body.filename or "page.txt"
    else:
        data = json.dumps(body.profile, ensure_ascii=False).encode("utf-8")
        name = body.filename or f"{(body.profile or {}).get('id') or 'profile'}.json"
    if len(data) > max_bytes:
        raise PayloadTooLarge(_too_large(len(data), max_bytes, "over"))
    return _Page(data, name, body.format, has_lines=body.text is not None)


def _too_large(size: int, max_bytes: int, how: str = "declared as") -> str:
    return (
        f"upload {how} {_mb(size)}, over the {_mb(max_bytes)} limit; split the "
        "page or raise PROFILE_AGENT_MAX_FILE_BYTES on the server"
    )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} KB"


@router.get("/{ref}")
def get_profile(state: State, ref: str) -> Profile:
    """A stored profile with its papers (by id, owner name or unique id prefix)."""
    return state.workspace.resolve(ref)


@router.get("/{ref}/report", dependencies=[Depends(rate_limited)])
def report(
    state: State,
    request: Request,
    ref: str,
    format: Literal["json", "md", "html"] = "json",
    llm: Literal["offline", "openai"] | None = Query(
        None,
        description="Drafter; default the server's (offline unless configured). Another paid "
        "model than the server's needs the API token.",
    ),
    identity: str | None = Query(None, description="Report on this identity (e.g. I2)."),
) -> Response:
    """The offline report at once; an LLM report as a background job (202, poll the job, then
    read ``/api/jobs/{id}/result?format=...``)."""
    choice = allowed_llm(request, llm)
    if choice == "offline":
        return rendered(state.offline_report(ref, identity), format)
    ws = state.workspace
    profile = ws.resolve(ref)
    build_chat_model(state.settings)  # a missing key fails now, naming the variable

    def run(progress: Progress) -> dict[str, Any]:
        progress.say("drafting with the model")
        return ws.summarize(profile.id, llm="openai", identity_id=identity).model_dump(mode="json")

    job = state.jobs.submit("report", profile.id, run)
    result = f"/api/jobs/{job.id}/result?format={format}"
    return JSONResponse(
        {"job": job.model_dump(mode="json"), "poll": f"/api/jobs/{job.id}", "result": result},
        status_code=202,
        headers={"Location": f"/api/jobs/{job.id}"},
    )
