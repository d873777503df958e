"""Who may talk to a server that has no API token.

Without ``PROFILE_AGENT_API_TOKEN`` the server binds loopback only, so its users are the
people on this machine. Two ways in for anyone else remain, and both are closed here:

* A web page the user visits can send requests to ``http://127.0.0.1:PORT`` (cross-site
  request forgery). Browsers say where a request comes from (``Origin``, and
  ``Sec-Fetch-Site``): a write, or any ``/api`` request, from another site is refused.
* A web page on ``evil.example`` can make its name resolve to 127.0.0.1 (DNS rebinding), and
  is then same-origin with itself. The ``Host`` header still says ``evil.example``: only a
  loopback name or address is accepted.

Clients that are not browsers (curl, scripts) send neither header and are let through. With
a token set the server may face a network; the token is then the check."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from fastapi import Request

from .errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS = frozenset({"cross-site", "same-site"})  # same-site: another port or subdomain


def check(request: Request, cors_origins: list[str]) -> None:
    """Raise ``Forbidden`` for a request a tokenless server must not serve."""
    host = request.headers.get("host")
    if host is not None and not is_loopback_name(_hostname(host)):
        raise Forbidden(
            f"Host {host!r} is not this server's address; without PROFILE_AGENT_API_TOKEN the "
            "server answers only requests for localhost or a loopback address (set the token "
            "to serve other names)"
        )
    if request.method in SAFE_METHODS and not request.url.path.startswith("/api/"):
        return  # pages and links may be opened from anywhere
    origin = request.headers.get("origin")
    if origin is not None:
        if origin in cors_origins or _same_origin(origin, request):
            return
        raise Forbidden(
            f"requests from the web page {origin!r} are refused: without "
            "PROFILE_AGENT_API_TOKEN only this server's own page may call the API (list the "
            "origin in PROFILE_AGENT_HTTP__CORS_ORIGINS to allow it)"
        )
    if request.headers.get("sec-fetch-site") in CROSS:
        raise Forbidden(
            "requests from another site's web page are refused: without "
            "PROFILE_AGENT_API_TOKEN only this server's own page may call the API"
        )


def is_loopback_name(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _hostname(host: str) -> str:
    """``host`` without its port (``[::1]:8000`` -> ``::1``), lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(origin: str, request: Request) -> bool:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != request.url.scheme or not parts.hostname:
        return False
    default = 443 if parts.scheme == "https" else 80
    own_port = request.url.port or default
    return (
        parts.hostname == _hostname(request.headers.get("host", ""))
        and (port or default) == own_port
    )
