"""Fetch a publication page by URL (httpx): bounded time, size and redirects, text types only."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import TransientError, UserError
from .models import Profile
from .parse import DEFAULT_MAX_BYTES, parse_text

if TYPE_CHECKING:
    import httpx  # imported when a URL is fetched: commands that read files never load it

DEFAULT_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
# What a publication page can be served as; anything else (PDF, images, archives) is refused.
_TEXT_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "text/x-markdown",
    "application/json",
    "application/x-ndjson",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/x-bibtex",
    "text/x-bibtex",
}

__all__ = ["Fetched", "fetch_page", "is_url", "load_url"]


@dataclass
class Fetched:
    url: str  # after redirects
    text: str
    content_type: str
    sha256: str


def is_url(value: str) -> bool:
    return bool(re.match(r"^https?://", value.strip(), re.I))


def _url_path(url: str, content_type: str) -> Path:
    """A file name for the page: host and path, so profile ids read like the site."""
    parts = urlsplit(url)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.netloc}{parts.path}").strip("-") or "page"
    ext = ".html" if "html" in content_type else ".txt"
    return Path(stem[:80] + ext)


def _public_only(request: httpx.Request) -> None:
    """Refuse a request (the first or a redirect) whose host resolves to a loopback, private,
    link-local or otherwise non-public address: a server fetching pages for others must not
    become their way into its own network."""
    host = request.url.host
    try:
        infos = socket.getaddrinfo(host, request.url.port or 80, proto=socket.IPPROTO_TCP)
    except OSError:
        return  # unresolvable: the fetch itself fails with a clear message
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise UserError(
                f"{request.url}: {host} is a private or local address ({address}); this server "
                "only fetches public pages (upload the file instead)"
            )


def fetch_page(
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    transport: httpx.BaseTransport | None = None,
    public_only: bool = False,
) -> Fetched:
    """GET ``url`` and return its text; errors say what went wrong and what to do.
    ``public_only``: refuse hosts on private or local addresses, redirects included (the
    HTTP server sets it; a user's own command line may fetch from their network)."""
    if not is_url(url):
        raise UserError(f"{url!r} is not an http(s) URL")
    import httpx

    try:
        with (
            httpx.Client(
                timeout=timeout_s,
                follow_redirects=True,
                max_redirects=max_redirects,
                transport=transport,
                headers={"User-Agent": "profile-agent (publication page reader)"},
                event_hooks={"request": [_public_only]} if public_only else None,
            ) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code >= 500 or resp.status_code == 429:
                raise TransientError(
                    f"{url}: the server answered {resp.status_code}; try again later"
                )
            if resp.status_code >= 400:
                raise UserError(
                    f"{url}: the server answered {resp.status_code} {resp.reason_phrase}; "
                    "check the address, or save the page and pass the file"
                )
            ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype and ctype not in _TEXT_TYPES:
                raise UserError(
                    f"{url}: content type {ctype!r} is not a page this tool reads (HTML, text, "
                    "Markdown, JSON, BibTeX, Atom); link the publication page itself"
                )
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise UserError(_too_big(url, int(declared), max_bytes))
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise UserError(_too_big(url, size, max_bytes))
                chunks.append(chunk)
            data = b"".join(chunks)
            final = str(resp.url)
            encoding = resp.encoding or "utf-8"
    except httpx.TooManyRedirects:
        raise UserError(
            f"{url}: more than {max_redirects} redirects; open it in a browser and pass the "
            "final address"
        ) from None
    except httpx.TimeoutException:
        raise TransientError(
            f"{url}: no answer within {timeout_s:g} s; try again, or save the page and pass "
            "the file"
        ) from None
    except httpx.HTTPError as exc:
        raise TransientError(
            f"{url}: cannot fetch the page ({type(exc).__name__}: {exc})"
        ) from None
    if not data.strip():
        raise UserError(f"{url}: the page is empty")
    if b"\x00" in data[:8192]:
        raise UserError(f"{url}: the server sent binary data, not a page")
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return Fetched(final, text, ctype or "text/html", hashlib.sha256(data).hexdigest())


def _too_big(url: str, size: int, limit: int) -> str:
    return (
        f"{url}: the page is over {limit / 1e6:.1f} MB ({size / 1e6:.1f} MB read); save the "
        "publication list alone, or raise PROFILE_AGENT_MAX_FILE_BYTES"
    )


def load_url(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fmt: str | None = None,
    name: str | None = None,
    allow_partial: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
    public_only: bool = False,
) -> list[Profile]:
    """Fetch ``url`` and parse it like a file (the profile records the URL as its source)."""
    got = fetch_page(
        url, timeout_s=timeout_s, max_bytes=max_bytes, transport=transport, public_only=public_only
    )
    return parse_text(
        got.text,
        _url_path(got.url, got.content_type),
        fmt=fmt,
        content_hash=got.sha256,
        name=name,
        allow_partial=allow_partial,
        source=got.url,
    )
